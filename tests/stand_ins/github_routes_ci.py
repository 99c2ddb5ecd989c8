"""REST handlers for the App (installations, tokens), Actions runs and job logs, check suites and runs."""

from __future__ import annotations

import time

from tests.stand_ins import github_auth
from tests.stand_ins.github_rest import Call, Reply, Route, not_found, page, route
from tests.stand_ins.github_shapes import Json, stamp
from tests.stand_ins.github_shapes_ci import render_check_run, render_job, render_run, render_suite
from tests.stand_ins.github_state import Installation, client_id

APP_PERMISSIONS = {
    "actions": "read",
    "checks": "write",
    "contents": "write",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}
APP_EVENTS = ["check_run", "check_suite", "issue_comment", "workflow_run"]


def render_installation(call: Call, inst: Installation) -> Json:
    api = call.render.api
    app = call.world.apps[inst.app_id]
    return {
        "id": inst.installation_id,
        "account": call.render.user(inst.account),
        "repository_selection": "selected",
        "access_tokens_url": f"{api}/app/installations/{inst.installation_id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": f"{call.render.web}/settings/installations/{inst.installation_id}",
        "app_id": inst.app_id,
        "app_slug": app.slug,
        "client_id": client_id(inst.app_id),
        "target_id": call.world.user_id(inst.account),
        "target_type": "User",
        "permissions": APP_PERMISSIONS,
        "events": APP_EVENTS,
        "created_at": stamp(inst.created_at),
        "updated_at": stamp(inst.created_at),
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }


def _own_installation(call: Call) -> Installation | None:
    inst = call.world.installations.get(int(call.params["installation_id"]))
    return inst if inst is not None and inst.app_id == call.app_id else None


def create_token(call: Call) -> Reply:
    inst = _own_installation(call)
    if inst is None:
        return not_found()
    token = github_auth.mint_token(call.world, inst.installation_id)
    return Reply(
        201,
        {
            "token": token.token,
            "expires_at": stamp(token.expires_at),
            "permissions": APP_PERMISSIONS,
            "repository_selection": "selected",
        },
    )


def get_installation(call: Call) -> Reply:
    inst = _own_installation(call)
    return not_found() if inst is None else Reply(200, render_installation(call, inst))


def get_repo_installation(call: Call) -> Reply:
    full_name = f"{call.params['owner']}/{call.params['repo']}"
    inst = call.world.installation_for_repo(full_name)
    if inst is None or inst.app_id != call.app_id:
        return not_found()
    return Reply(200, render_installation(call, inst))


def get_run(call: Call) -> Reply:
    run = call.world.runs.get(int(call.params["run_id"]))
    if run is None or run.full_name != call.repo.full_name:
        return not_found()
    return Reply(200, render_run(call.render, run))


def list_run_jobs(call: Call) -> Reply:
    run = call.world.runs.get(int(call.params["run_id"]))
    if run is None or run.full_name != call.repo.full_name:
        return not_found()
    return page(call, [render_job(call.render, job) for job in run.jobs], key="jobs")


def job_logs(call: Call) -> Reply:
    job = call.world.jobs.get(int(call.params["job_id"]))
    if job is None or call.world.runs[job.run_id].full_name != call.repo.full_name:
        return not_found()
    # GitHub answers with a 302 to a short-lived signed URL on another host that needs no Authorization;
    # PyGithub's WorkflowJob.logs_url() returns that Location without following it.
    location = f"{call.render.web}/_actions/logs/{job.job_id}?sig={job.log_key}"
    return Reply(302, None, {"Location": location})


def get_suite(call: Call) -> Reply:
    suite = call.world.suites.get(int(call.params["check_suite_id"]))
    if suite is None or suite.full_name != call.repo.full_name:
        return not_found()
    return Reply(200, render_suite(call.render, suite))


def list_suite_runs(call: Call) -> Reply:
    suite = call.world.suites.get(int(call.params["check_suite_id"]))
    if suite is None or suite.full_name != call.repo.full_name:
        return not_found()
    runs = [render_check_run(call.render, r) for r in suite.check_runs]
    return page(call, runs, key="check_runs")


def get_check_run(call: Call) -> Reply:
    check_run = call.world.check_runs.get(int(call.params["check_run_id"]))
    if check_run is None or call.world.suites[check_run.suite_id].full_name != call.repo.full_name:
        return not_found()
    return Reply(200, render_check_run(call.render, check_run))


def rate_limit(call: Call) -> Reply:
    reset = int(time.time()) + 3600
    core = {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset}
    resources = {name: dict(core) for name in ("core", "search", "graphql", "integration_manifest")}
    return Reply(200, {"resources": resources, "rate": core})


ROUTES: list[Route] = [
    route("POST", "/app/installations/{installation_id}/access_tokens", "app", create_token),
    route("GET", "/app/installations/{installation_id}", "app", get_installation),
    route("GET", "/repos/{owner}/{repo}/installation", "app", get_repo_installation),
    route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", "token", get_run),
    route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", "token", list_run_jobs),
    route("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs", "token", job_logs),
    route("GET", "/repos/{owner}/{repo}/check-suites/{check_suite_id}", "token", get_suite),
    route("GET", "/repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs", "token", list_suite_runs),
    route("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", "token", get_check_run),
    route("GET", "/rate_limit", "token", rate_limit),
]
