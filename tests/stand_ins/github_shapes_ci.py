"""GitHub's JSON for CI records: Actions workflow runs and jobs, check suites and check runs, apps."""

from __future__ import annotations

import zlib

from tests.stand_ins import git_http
from tests.stand_ins.github_shapes import Json, Render, node_id, stamp
from tests.stand_ins.github_shapes_pull import minimal_pulls
from tests.stand_ins.github_state import CheckRun, CheckSuite, Job, Repo, WorkflowRun, client_id

# The all-zero tree GitHub shows for a SHA it has no commit for would be a lie; git's empty tree is the honest
# placeholder when a test reports CI on a SHA it never pushed.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def render_app(r: Render, app_id: int, slug: str) -> Json:
    return {
        "id": app_id,
        "slug": slug,
        "node_id": node_id("Integration", app_id),
        "client_id": client_id(app_id),
        "owner": r.user(f"{slug}-owner"),
        "name": slug,
        "description": None,
        "external_url": r.web,
        "html_url": f"{r.web}/apps/{slug}",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "permissions": {"metadata": "read", "checks": "write", "contents": "read"},
        "events": ["check_suite", "check_run"],
    }


def app_id_for(slug: str) -> int:
    """Stable ids for CI apps that are only named by the test (not registered with register_app)."""
    return zlib.crc32(slug.encode()) % 1_000_000 + 1


def head_commit(r: Render, repo: Repo, sha: str) -> Json:
    try:
        info = git_http.commit_info(repo.bare_path, sha)
    except RuntimeError:
        who = {"name": "unknown", "email": "unknown@example.com"}
        return {
            "id": sha,
            "tree_id": EMPTY_TREE,
            "message": "",
            "timestamp": "2024-01-01T00:00:00Z",
            "author": who,
            "committer": who,
        }
    return {
        "id": info.sha,
        "tree_id": info.tree,
        "message": info.message,
        "timestamp": info.committer_date,
        "author": {"name": info.author_name, "email": info.author_email},
        "committer": {"name": info.committer_name, "email": info.committer_email},
    }


def status_of(conclusion: str | None) -> str:
    return "in_progress" if conclusion is None else "completed"


def render_run(r: Render, run: WorkflowRun) -> Json:
    repo = r.world.repos[run.full_name]
    repo_api = f"{r.api}/repos/{repo.full_name}"
    url = f"{repo_api}/actions/runs/{run.run_id}"
    workflow_id = app_id_for(f"workflow:{run.name}")
    created = stamp(run.created_at)
    return {
        "id": run.run_id,
        "name": run.name,
        "node_id": node_id("WorkflowRun", run.run_id),
        "check_suite_id": run.run_id + 1,
        "check_suite_node_id": node_id("CheckSuite", run.run_id + 1),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": f".github/workflows/{run.name.lower()}.yml",
        "display_title": run.name,
        "run_number": run.run_number,
        "run_attempt": 1,
        "referenced_workflows": [],
        "event": run.event,
        "status": status_of(run.conclusion),
        "conclusion": run.conclusion,
        "workflow_id": workflow_id,
        "url": url,
        "html_url": f"{r.web}/{repo.full_name}/actions/runs/{run.run_id}",
        "pull_requests": minimal_pulls(r, repo, run.head_branch, run.head_sha),
        "created_at": created,
        "updated_at": created,
        "run_started_at": created,
        "actor": r.user(repo.owner),
        "triggering_actor": r.user(repo.owner),
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{repo_api}/check-suites/{run.run_id + 1}",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{repo_api}/actions/workflows/{workflow_id}",
        "head_commit": head_commit(r, repo, run.head_sha),
        "repository": r.repository(repo),
        "head_repository": r.repository(repo),
    }


def render_job(r: Render, job: Job) -> Json:
    run = r.world.runs[job.run_id]
    repo_api = f"{r.api}/repos/{run.full_name}"
    created = stamp(run.created_at)
    status = status_of(job.conclusion)
    return {
        "id": job.job_id,
        "run_id": run.run_id,
        "run_url": f"{repo_api}/actions/runs/{run.run_id}",
        "run_attempt": 1,
        "node_id": node_id("CheckRun", job.job_id),
        "head_sha": run.head_sha,
        "url": f"{repo_api}/actions/jobs/{job.job_id}",
        "html_url": f"{r.web}/{run.full_name}/actions/runs/{run.run_id}/job/{job.job_id}",
        "status": status,
        "conclusion": job.conclusion,
        "created_at": created,
        "started_at": created,
        "completed_at": created if job.conclusion is not None else None,
        "name": job.name,
        "steps": [
            {
                "name": name,
                "status": status_of(conclusion) if job.conclusion is not None else status,
                "conclusion": conclusion,
                "number": number,
                "started_at": created,
                "completed_at": created if job.conclusion is not None else None,
            }
            for number, (name, conclusion) in enumerate(_steps(job), start=1)
        ],
        "check_run_url": f"{repo_api}/check-runs/{job.job_id}",
        "labels": ["ubuntu-latest"],
        "runner_id": 1,
        "runner_name": "GitHub Actions 1",
        "runner_group_id": 1,
        "runner_group_name": "GitHub Actions",
        "workflow_name": run.name,
        "head_branch": run.head_branch,
    }


def _steps(job: Job) -> list[tuple[str, str | None]]:
    if job.steps is None:
        return [("Run tests", job.conclusion)]
    # GitHub wraps a job's own steps in two of its own; a step after a failure is "skipped".
    done = "success" if job.conclusion is not None else None
    return [("Set up job", done), *job.steps, ("Complete job", done)]


def render_suite(r: Render, suite: CheckSuite) -> Json:
    repo = r.world.repos[suite.full_name]
    url = f"{r.api}/repos/{repo.full_name}/check-suites/{suite.suite_id}"
    return {
        "id": suite.suite_id,
        "node_id": node_id("CheckSuite", suite.suite_id),
        "head_branch": suite.head_branch,
        "head_sha": suite.head_sha,
        "status": status_of(suite.conclusion),
        "conclusion": suite.conclusion,
        "url": url,
        "before": None,
        "after": suite.head_sha,
        "pull_requests": minimal_pulls(r, repo, suite.head_branch, suite.head_sha),
        "app": render_app(r, app_id_for(suite.app_slug), suite.app_slug),
        "repository": r.repository(repo),
        "created_at": stamp(suite.created_at),
        "updated_at": stamp(suite.created_at),
        "head_commit": head_commit(r, repo, suite.head_sha),
        "latest_check_runs_count": len(suite.check_runs),
        "check_runs_url": f"{url}/check-runs",
        "rerequestable": True,
        "runs_rerequestable": True,
    }


def render_check_run(r: Render, check_run: CheckRun) -> Json:
    suite = r.world.suites[check_run.suite_id]
    url = f"{r.api}/repos/{suite.full_name}/check-runs/{check_run.check_run_id}"
    html = f"{r.web}/{suite.full_name}/runs/{check_run.check_run_id}"
    status = check_run.status or status_of(check_run.conclusion)
    completed = check_run.completed_at or (suite.created_at if check_run.conclusion is not None else None)
    return {
        "id": check_run.check_run_id,
        "head_sha": suite.head_sha,
        "node_id": node_id("CheckRun", check_run.check_run_id),
        "external_id": "",
        "url": url,
        "html_url": html,
        "details_url": check_run.details_url or html,
        "status": status,
        "conclusion": check_run.conclusion,
        "started_at": stamp(check_run.started_at),
        "completed_at": stamp(completed) if completed is not None else None,
        "output": {
            "title": check_run.output.get("title"),
            "summary": check_run.output.get("summary"),
            "text": check_run.output.get("text"),
            "annotations_count": 0,
            "annotations_url": f"{url}/annotations",
        },
        "name": check_run.name,
        "check_suite": {"id": suite.suite_id},
        "app": render_app(r, app_id_for(suite.app_slug), suite.app_slug),
        "pull_requests": minimal_pulls(r, r.world.repos[suite.full_name], suite.head_branch, suite.head_sha),
    }
