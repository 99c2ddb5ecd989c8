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
