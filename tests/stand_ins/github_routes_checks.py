"""REST handlers for the check runs an App writes: create and update, as the Checks API takes them.

Request bodies are checked against GitHub's OpenAPI description and refused with 422 where they fall short,
and every state a check run is given is kept in its history, for tests to read the sequence.
"""

from __future__ import annotations

from typing import Any

from tests.stand_ins import git_http
from tests.stand_ins.github_rest import Call, Reply, Route, invalid, not_found, route
from tests.stand_ins.github_schema import problems, request_schema
from tests.stand_ins.github_shapes_ci import render_check_run
from tests.stand_ins.github_state import CheckRun, CheckSuite, now

CREATE = "/repos/{owner}/{repo}/check-runs"
UPDATE = "/repos/{owner}/{repo}/check-runs/{check_run_id}"


def _refused(method: str, template: str, body: Any) -> Reply | None:
    found = problems(request_schema(method, template), body)
    if not found:
        return None
    return invalid(*({"resource": "CheckRun", "code": "invalid", "message": p} for p in found))


def _suite_for(call: Call, head_sha: str) -> CheckSuite:
    """GitHub files an App's check runs under that App's one suite for the commit, made on first use."""
    slug = call.world.apps[call.installation.app_id].slug if call.installation else "unknown"
    repo = call.repo
    for suite in call.world.suites.values():
        if (suite.full_name, suite.head_sha, suite.app_slug) == (repo.full_name, head_sha, slug):
            return suite
    branch = next(iter(git_http.branches_at(repo.bare_path, head_sha)), "")
    suite = CheckSuite(call.world.new_id(), repo.full_name, branch, head_sha, None, slug)
    call.world.suites[suite.suite_id] = suite
    return suite


def _apply(check_run: CheckRun, body: dict[str, Any]) -> None:
    """Take the fields GitHub takes; a conclusion completes the run, as on GitHub."""
    if "output" in body:
        check_run.output = {k: body["output"].get(k) for k in ("title", "summary", "text")}
        check_run.annotations.extend(body["output"].get("annotations") or [])
    if "details_url" in body:
        check_run.details_url = body["details_url"]
    if "actions" in body:
        check_run.actions = [a.get("identifier") for a in body["actions"]]
    if "status" in body:
        check_run.status = body["status"]
    if "conclusion" in body:
        check_run.conclusion, check_run.status = body["conclusion"], "completed"
    if check_run.status == "completed" and check_run.completed_at is None:
        check_run.completed_at = now()
    check_run.history.append(
        {
            "status": check_run.status,
            "conclusion": check_run.conclusion,
            "title": check_run.output.get("title"),
            "summary": check_run.output.get("summary"),
            "details_url": check_run.details_url,
            "actions": ",".join(check_run.actions),
        }
    )


def create_check_run(call: Call) -> Reply:
    if (refused := _refused("POST", CREATE, call.body)) is not None:
        return refused
    body: dict[str, Any] = call.body
    try:
        git_http.commit_info(call.repo.bare_path, body["head_sha"])
    except RuntimeError:
        return invalid({"resource": "CheckRun", "code": "invalid", "message": "No commit found for SHA"})
    suite = _suite_for(call, body["head_sha"])
    check_run = CheckRun(call.world.new_id(), suite.suite_id, body["name"], None, {}, status="queued")
    _apply(check_run, body)
    suite.check_runs.append(check_run)
    call.world.check_runs[check_run.check_run_id] = check_run
    return Reply(201, render_check_run(call.render, check_run))


def update_check_run(call: Call) -> Reply:
    check_run = call.world.check_runs.get(int(call.params["check_run_id"]))
    if check_run is None or call.world.suites[check_run.suite_id].full_name != call.repo.full_name:
        return not_found()
    if (refused := _refused("PATCH", UPDATE, call.body)) is not None:
        return refused
    _apply(check_run, call.body)
    return Reply(200, render_check_run(call.render, check_run))


ROUTES: list[Route] = [
    route("POST", CREATE, "token", create_check_run),
    route("PATCH", UPDATE, "token", update_check_run),
]
