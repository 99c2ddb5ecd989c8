"""Seeding the stand-in's world the way GitHub would have it: repositories' records, issues, pull requests,
comments, Actions runs with their jobs' logs, and check suites. Callers hold world.lock."""

from __future__ import annotations

import secrets
from typing import Any

from tests.stand_ins import git_http
from tests.stand_ins.github_forks import head_sha, sync_pull_refs
from tests.stand_ins.github_state import (
    CheckRun,
    CheckSuite,
    Comment,
    Issue,
    Job,
    Pull,
    ReviewComment,
    WorkflowRun,
    World,
)


def seed_issue(
    world: World, full_name: str, title: str, body: str | None, user: str, labels: list[str]
) -> int:
    repo = world.repo(full_name)
    number = world.next_number(repo)
    repo.issues[number] = Issue(number, world.new_id(), title, body, user, labels=list(labels))
    world.user_id(user)
    return number


def seed_pull(
    world: World,
    full_name: str,
    head: str,
    base: str | None,
    title: str,
    body: str | None,
    user: str,
    head_repo: str | None = None,
) -> int:
    repo = world.repo(full_name)
    where = world.repo(head_repo) if head_repo else repo
    if git_http.branch_sha(where.bare_path, head) is None:
        raise ValueError(f"{where.full_name} has no branch {head!r}; push it before opening a pull request")
    number = seed_issue(world, full_name, title, body, user, [])
    repo.pulls[number] = Pull(number, world.new_id(), head, base or repo.default_branch, head_repo=head_repo)
    sync_pull_refs(world, repo)
    return number


def seed_comment(world: World, full_name: str, number: int, body: str, user: str) -> Comment:
    if number not in world.repo(full_name).issues:
        raise KeyError(f"{full_name} has no issue or pull request #{number}")
    comment = Comment(world.new_id(), full_name, number, body, user)
    world.comments[comment.comment_id] = comment
    world.user_id(user)
    return comment


def seed_review_comment(
    world: World, full_name: str, number: int, path: str, line: int, body: str, user: str
) -> ReviewComment:
    """A comment on line `line` of `path` as the pull request's head has it, in a review of its own."""
    repo = world.repo(full_name)
    pull = repo.pulls[number]
    head = head_sha(world, repo, pull)
    lines = git_http.git("show", f"{head}:{path}", cwd=repo.bare_path).splitlines()
    if not 1 <= line <= len(lines):
        raise ValueError(f"{path} has {len(lines)} lines at the head of #{number}, not line {line}")
    # GitHub's diff_hunk ends with the line commented on; a few lines of context before it.
    start = max(1, line - 3)
    hunk = f"@@ -{start},{line - start + 1} +{start},{line - start + 1} @@\n" + "\n".join(
        f" {text}" for text in lines[start - 1 : line]
    )
    comment = ReviewComment(
        world.new_id(), full_name, number, world.new_id(), path, line, body, user, hunk, head
    )
    world.review_comments[comment.comment_id] = comment
    world.user_id(user)
    return comment


def seed_workflow_run(
    world: World,
    full_name: str,
    head_branch: str,
    head_sha: str,
    conclusion: str | None,
    jobs: list[dict[str, Any]],
    name: str,
    event: str,
) -> WorkflowRun:
    """Each job spec is {"name", "conclusion" (default: the run's), "log"}, and optionally "log_encoding"
    ("gzip" or "zip"), "log_body" (bytes served as they are) and "steps" ([{"name", "conclusion"}], the
    workflow's steps, shown between GitHub's own "Set up job" and "Complete job")."""
    world.repo(full_name)
    run_id = world.new_id()
    world.new_id()  # reserved for the run's check suite, rendered as run_id + 1
    number = 1 + sum(1 for r in world.runs.values() if r.full_name == full_name)
    run = WorkflowRun(run_id, full_name, name, head_branch, head_sha, event, conclusion, number)
    for spec in jobs:
        # The key stands in for the signature of GitHub's pre-signed log URL: unguessable, needs no token.
        log_key = secrets.token_urlsafe(16)
        job = Job(
            world.new_id(),
            run_id,
            spec["name"],
            spec.get("conclusion", conclusion),
            spec.get("log", ""),
            log_key,
            spec.get("log_encoding", ""),
            spec.get("log_body"),
            [(s["name"], s.get("conclusion")) for s in spec["steps"]] if "steps" in spec else None,
        )
        run.jobs.append(job)
        world.jobs[job.job_id] = job
    world.runs[run_id] = run
    return run


def seed_check_suite(
    world: World,
    full_name: str,
    head_branch: str,
    head_sha: str,
    conclusion: str | None,
    check_runs: list[dict[str, Any]],
    app_slug: str,
) -> CheckSuite:
    """Each check run spec is {"name", "conclusion", "output": {...}}."""
    world.repo(full_name)
    suite = CheckSuite(world.new_id(), full_name, head_branch, head_sha, conclusion, app_slug)
    for spec in check_runs:
        output = {k: spec.get("output", {}).get(k) for k in ("title", "summary", "text")}
        check_run = CheckRun(
            world.new_id(), suite.suite_id, spec["name"], spec.get("conclusion", conclusion), output
        )
        suite.check_runs.append(check_run)
        world.check_runs[check_run.check_run_id] = check_run
    world.suites[suite.suite_id] = suite
    return suite
