"""Webhook deliveries built from GitHub's own example payloads (../shared/corpora/webhooks)."""

from __future__ import annotations

import copy
import json
import uuid
from functools import cache
from typing import Any

from bot.signature import sign
from tests.conftest import WEBHOOK_EXAMPLES


@cache
def _example(event: str, name: str) -> dict[str, Any]:
    return json.loads((WEBHOOK_EXAMPLES / event / name).read_text())


def _with_repo(payload: dict[str, Any], full_name: str, installation_id: int) -> dict[str, Any]:
    owner, name = full_name.split("/")
    payload["repository"]["full_name"] = full_name
    payload["repository"]["name"] = name
    payload["repository"]["owner"]["login"] = owner
    payload["installation"] = {"id": installation_id, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="}
    return payload


def issue_comment(
    full_name: str,
    installation_id: int,
    *,
    number: int,
    comment_id: int,
    body: str,
    login: str = "alice",
    association: str = "OWNER",
    user_type: str = "User",
    on_pull_request: bool = False,
) -> dict[str, Any]:
    payload = _with_repo(
        copy.deepcopy(_example("issue_comment", "created.with-installation.payload.json")),
        full_name,
        installation_id,
    )
    payload["issue"]["number"] = number
    if on_pull_request:
        payload["issue"]["pull_request"] = {"url": f"https://api.github.com/repos/{full_name}/pulls/{number}"}
    else:
        payload["issue"].pop("pull_request", None)
    comment = payload["comment"]
    comment.update(id=comment_id, body=body, author_association=association)
    comment["user"].update(login=login, type=user_type)
    payload["sender"].update(login=login, type=user_type)
    return payload


def workflow_run_failed(
    full_name: str,
    installation_id: int,
    *,
    run_id: int,
    branch: str,
    sha: str,
    pulls: tuple[int, ...] = (),
) -> dict[str, Any]:
    payload = _with_repo(
        copy.deepcopy(_example("workflow_run", "completed.payload.json")), full_name, installation_id
    )
    run = payload["workflow_run"]
    run.update(id=run_id, head_branch=branch, head_sha=sha, conclusion="failure")
    run["head_repository"]["full_name"] = full_name
    run["pull_requests"] = [{"number": n, "id": n} for n in pulls]
    return payload


def check_suite_failed(
    full_name: str, installation_id: int, *, suite_id: int, branch: str, sha: str
) -> dict[str, Any]:
    payload = _with_repo(
        copy.deepcopy(_example("check_suite", "completed.payload.json")), full_name, installation_id
    )
    payload["check_suite"].update(id=suite_id, head_branch=branch, head_sha=sha, conclusion="failure")
    return payload


def _pull_request_event(
    full_name: str, installation_id: int, number: int, head_ref: str, head_repo: str | None
) -> dict[str, Any]:
    """The pull request half of a review event, from GitHub's own pull_request example (the corpus has no
    review examples; the review and comment objects below follow its common/pull-request-review*.schema)."""
    payload = _with_repo(
        copy.deepcopy(_example("pull_request", "opened.payload.json")), full_name, installation_id
    )
    del payload["number"]
    pull = payload["pull_request"]
    pull["number"] = number
    pull["head"]["ref"] = head_ref
    if head_repo is None:
        pull["head"]["repo"] = None
    else:
        pull["head"]["repo"]["full_name"] = head_repo
    return payload


def _review_user(login: str, user_type: str) -> dict[str, Any]:
    return {
        "login": login,
        "id": 21031067,
        "node_id": "MDQ6VXNlcjIxMDMxMDY3",
        "type": user_type,
        "site_admin": False,
    }


def pull_request_review(
    full_name: str,
    installation_id: int,
    *,
    number: int,
    review_id: int,
    head_ref: str,
    state: str = "changes_requested",
    body: str | None = "Please also handle empty input.",
    login: str = "alice",
    association: str = "OWNER",
    user_type: str = "User",
    head_repo: str | None = "",
) -> dict[str, Any]:
    """`pull_request_review` submitted; `head_repo` "" means the same repository."""
    payload = _pull_request_event(
        full_name, installation_id, number, head_ref, full_name if head_repo == "" else head_repo
    )
    api = f"https://api.github.com/repos/{full_name}/pulls/{number}"
    payload["action"] = "submitted"
    payload["review"] = {
        "id": review_id,
        "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3MQ==",
        "user": _review_user(login, user_type),
        "body": body,
        "commit_id": payload["pull_request"]["head"]["sha"],
        "submitted_at": "2019-05-15T15:20:38Z",
        "state": state,
        "html_url": f"https://github.com/{full_name}/pull/{number}#pullrequestreview-{review_id}",
        "pull_request_url": api,
        "author_association": association,
        "_links": {
            "html": {"href": f"https://github.com/{full_name}/pull/{number}"},
            "pull_request": {"href": api},
        },
    }
    payload["sender"].update(login=login, type=user_type)
    return payload


def pull_request_review_comment(
    full_name: str,
    installation_id: int,
    *,
    number: int,
    comment_id: int,
    review_id: int,
    head_ref: str,
    body: str,
    login: str = "alice",
    association: str = "OWNER",
    user_type: str = "User",
) -> dict[str, Any]:
    """`pull_request_review_comment` created, on line 3 of a file in the pull request's diff."""
    payload = _pull_request_event(full_name, installation_id, number, head_ref, full_name)
    api = f"https://api.github.com/repos/{full_name}/pulls"
    sha = payload["pull_request"]["head"]["sha"]
    payload["action"] = "created"
    payload["comment"] = {
        "url": f"{api}/comments/{comment_id}",
        "pull_request_review_id": review_id,
        "id": comment_id,
        "node_id": "MDI0OlB1bGxSZXF1ZXN0UmV2aWV3Q29tbWVudDI=",
        "diff_hunk": "@@ -1,3 +1,3 @@\n def f():\n-    return 1\n+    return 2",
        "path": "src/f.py",
        "position": 3,
        "original_position": 3,
        "commit_id": sha,
        "original_commit_id": sha,
        "user": _review_user(login, user_type),
        "body": body,
        "created_at": "2019-05-15T15:20:37Z",
        "updated_at": "2019-05-15T15:20:38Z",
        "html_url": f"https://github.com/{full_name}/pull/{number}#discussion_r{comment_id}",
        "pull_request_url": f"{api}/{number}",
        "author_association": association,
        "_links": {},
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "line": 3,
        "original_line": 3,
        "side": "RIGHT",
        "reactions": {"url": f"{api}/comments/{comment_id}/reactions", "total_count": 0},
    }
    payload["sender"].update(login=login, type=user_type)
    return payload


def signed(
    event: str, payload: dict[str, Any] | bytes, secret: str, delivery: str | None = None
) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body),
    }
    return body, headers
