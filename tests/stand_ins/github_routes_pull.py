"""REST handlers for a pull request's own resources: its review comments, its changed files, editing it."""

from __future__ import annotations

from tests.stand_ins import git_http
from tests.stand_ins.github_forks import head_sha, sync_pull_refs
from tests.stand_ins.github_rest import Call, Reply, Route, invalid, not_found, page, route
from tests.stand_ins.github_shapes_pull import render_file, render_pull, render_review_comment
from tests.stand_ins.github_state import Pull, now


def _pull(call: Call) -> Pull | None:
    return call.repo.pulls.get(int(call.params["number"]))


def list_review_comments(call: Call) -> Reply:
    pull = _pull(call)
    if pull is None:
        return not_found()
    found = sorted(
        (
            c
            for c in call.world.review_comments.values()
            if (c.full_name, c.pull_number) == (call.repo.full_name, pull.number)
        ),
        key=lambda c: c.comment_id,
    )
    return page(call, [render_review_comment(call.render, call.repo, c) for c in found])


def list_files(call: Call) -> Reply:
    pull = _pull(call)
    if pull is None:
        return not_found()
    repo = call.repo
    sync_pull_refs(call.world, repo)  # a fork's commits, into the base repository where the diff is made
    head = head_sha(call.world, repo, pull)
    base = git_http.branch_sha(repo.bare_path, pull.base) or ""
    changes = git_http.changed_files(repo.bare_path, base, head) if head and base else []
    return page(call, [render_file(call.render, repo, change, head) for change in changes])


def edit_pull(call: Call) -> Reply:
    pull = _pull(call)
    if pull is None:
        return not_found()
    body = call.body if isinstance(call.body, dict) else {}
    issue = call.repo.issues[pull.number]
    if "title" in body:
        if not isinstance(body["title"], str) or not body["title"]:
            return invalid({"resource": "PullRequest", "field": "title", "code": "missing_field"})
        issue.title = body["title"]
    if "body" in body:
        if body["body"] is not None and not isinstance(body["body"], str):
            return invalid({"resource": "PullRequest", "field": "body", "code": "invalid"})
        issue.body = body["body"]
    issue.updated_at = now()
    return Reply(200, render_pull(call.render, call.repo, pull))


ROUTES: list[Route] = [
    route("PATCH", "/repos/{owner}/{repo}/pulls/{number}", "token", edit_pull),
    route("GET", "/repos/{owner}/{repo}/pulls/{number}/comments", "token", list_review_comments),
    route("GET", "/repos/{owner}/{repo}/pulls/{number}/files", "token", list_files),
]
