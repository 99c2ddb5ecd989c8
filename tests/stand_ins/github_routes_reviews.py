"""REST handlers for pull request reviews: submitting one with line comments (suggestions among them), and
listing them. As on GitHub, a line comment must fall inside one hunk of the pull request's diff."""

from __future__ import annotations

import re
from typing import Any

from tests.stand_ins import git_http, github_schema
from tests.stand_ins.github_forks import head_sha, sync_pull_refs
from tests.stand_ins.github_rest import Call, Reply, Route, invalid, not_found, page, route
from tests.stand_ins.github_shapes import Json, Render, node_id, stamp
from tests.stand_ins.github_state import Repo, Review, ReviewComment

TEMPLATE = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
STATES = {"COMMENT": "COMMENTED", "APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def render_review(r: Render, repo: Repo, review: Review) -> Json:
    pull_url = f"{r.api}/repos/{repo.full_name}/pulls/{review.pull_number}"
    html = f"{r.web}/{repo.full_name}/pull/{review.pull_number}#pullrequestreview-{review.review_id}"
    return {
        "id": review.review_id,
        "node_id": node_id("PullRequestReview", review.review_id),
        "user": r.user(review.user),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "submitted_at": stamp(review.submitted_at),
        "commit_id": review.commit_id,
        "author_association": r.association(repo, review.user),
    }


def _hunks(repo: Repo, base: str, commit: str) -> dict[str, list[tuple[range, str]]]:
    """Per file of the pull request's diff at `commit`: each hunk's head-side lines and its text."""
    found: dict[str, list[tuple[range, str]]] = {}
    for change in git_http.changed_files(repo.bare_path, base, commit):
        texts = re.split(r"(?m)^(?=@@ )", change.patch)
        for text in (t for t in texts if t):
            start, count = _HUNK.findall(text)[0]
            found.setdefault(change.path, []).append((range(int(start), int(start) + int(count or 1)), text))
    return found


def _thread_problem(comment: dict[str, Any], hunks: dict[str, list[tuple[range, str]]]) -> str | None:
    if "line" not in comment or comment.get("side", "RIGHT") != "RIGHT":
        return "the stand-in takes comments by `line` on side RIGHT (not `position`, not LEFT)"
    line, start = comment["line"], comment.get("start_line", comment["line"])
    if not start <= line:
        return "pull_request_review_thread.start_line must precede the end line."
    hunk = next((h for h, _ in hunks.get(comment["path"], []) if line in h), None)
    if hunk is None:
        return "pull_request_review_thread.line must be part of the diff"
    if start not in hunk:
        return "pull_request_review_thread.start_line must be part of the same hunk as the line."
    return None


def _diff_hunk(hunks: list[tuple[range, str]], line: int) -> str:
    """GitHub's `diff_hunk`: the hunk from its header down to the commented line."""
    lines_range, text = next(h for h in hunks if line in h[0])
    out, at = [], lines_range.start - 1
    for row in text.rstrip("\n").split("\n"):
        out.append(row)
        at += 0 if row.startswith(("@@", "-", "\\")) else 1
        if at == line and not row.startswith("@@"):
            break
    return "\n".join(out)


def create_review(call: Call) -> Reply:
    repo = call.repo
    pull = repo.pulls.get(int(call.params["pull_number"]))
    if pull is None:
        return not_found()
    body = call.body if isinstance(call.body, dict) else {}
    schema = github_schema.request_schema("POST", TEMPLATE)
    if problems := github_schema.problems(schema, body):
        return invalid(*({"resource": "PullRequestReview", "message": p} for p in problems))
    event = body.get("event")
    if event not in STATES:
        return invalid({"resource": "PullRequestReview", "message": "the stand-in takes submitted reviews"})
    if event != "APPROVE" and not body.get("body"):
        return invalid({"resource": "PullRequestReview", "field": "body", "code": "missing_field"})
    sync_pull_refs(call.world, repo)
    commit = body.get("commit_id") or head_sha(call.world, repo, pull)
    base = git_http.branch_sha(repo.bare_path, pull.base) or ""
    try:
        hunks = _hunks(repo, base, commit)
    except RuntimeError:
        return invalid({"resource": "PullRequestReview", "field": "commit_id", "code": "invalid"})
    comments = body.get("comments", [])
    if errors := [p for c in comments if (p := _thread_problem(c, hunks))]:
        return Reply(422, {"message": "Unprocessable Entity", "errors": errors, "status": "422"})
    review = Review(call.world.new_id(), repo.full_name, pull.number, body["body"], STATES[event],
                    call.actor, commit)  # fmt: skip
    call.world.reviews[review.review_id] = review
    for c in comments:
        start = c.get("start_line")
        found = ReviewComment(
            call.world.new_id(), repo.full_name, pull.number, review.review_id, c["path"], c["line"],
            c["body"], call.actor, _diff_hunk(hunks[c["path"]], c["line"]), commit,
            start_line=start if start != c["line"] else None,
        )  # fmt: skip
        call.world.review_comments[found.comment_id] = found
    return Reply(200, render_review(call.render, repo, review))


def list_reviews(call: Call) -> Reply:
    repo = call.repo
    number = int(call.params["pull_number"])
    if number not in repo.pulls:
        return not_found()
    found = sorted(
        (r for r in call.world.reviews.values() if (r.full_name, r.pull_number) == (repo.full_name, number)),
        key=lambda r: r.review_id,
    )
    return page(call, [render_review(call.render, repo, r) for r in found])


ROUTES: list[Route] = [
    route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "token", create_review),
    route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "token", list_reviews),
]
