"""A "Re-run" of the bot's own Check Run, or its Retry button, runs that commit's job again: only for the
bot's own check, for a writer, never for a bot; GitHub's own example payloads, hostile ones refused with a 4xx
and nothing queued. In-process receiver with fakes (tests/bot/fakes.py)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from core.jobs import CHECK_RUN_NAME, RETRY_ACTION, RepairRequest
from tests.bot.fakes import fakes
from tests.bot.test_routing_fast import INSTALLATION, READER, WRITER, Receiver, assert_ignored, example

APP_ID = 2  # the App of GitHub's example payloads
REPO = "octo/parens"
SHA = "d6fde92930d4715a2b49857d24b940956b26d2d3"  # their check run's commit
EARLIER = RepairRequest(
    kind="ci",
    installation_id=INSTALLATION,
    repo_full_name=REPO,
    delivery_id="first",
    head_branch="main",
    head_sha=SHA,
    check_suite_id=5,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    world = fakes({WRITER: "write", READER: "read"}, github_app_id=APP_ID)
    world.memory.by_commit[(REPO, SHA)] = EARLIER
    with TestClient(create_app(world.ctx)) as http:
        yield Receiver(http, world)


def rerequested(sender: str = WRITER, **check: Any) -> dict[str, Any]:
    payload = example("check_run", "rerequested.payload.json")
    payload["check_run"].update({"name": CHECK_RUN_NAME, **check})
    payload["sender"] = {**payload["sender"], "login": sender}
    payload["repository"]["full_name"] = REPO
    return payload


def button(identifier: str = RETRY_ACTION, sender: str = WRITER) -> dict[str, Any]:
    payload = example("check_run", "requested_action.payload.json")
    payload["check_run"].update({"name": CHECK_RUN_NAME, "head_sha": SHA, "app": {"id": APP_ID}})
    payload["requested_action"] = {"identifier": identifier}
    payload["sender"] = {**payload["sender"], "login": sender}
    payload["repository"]["full_name"] = REPO
    return payload


@pytest.mark.parametrize(("event", "payload"), [("check_run", rerequested()), ("check_run", button())])
def test_a_writer_re_running_the_bots_check_queues_its_job_again_as_a_persons_request(
    receiver: Receiver, event: str, payload: dict[str, Any]
) -> None:
    response = receiver.post(event, payload, delivery="again")
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    # The same job under the new delivery, asked for by a person: the automatic guards do not hold it.
    assert job == RepairRequest(**{**EARLIER.__dict__, "delivery_id": "again", "requested_by": WRITER})


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (rerequested(name="ci / tests"), "another App's check run"),
        (rerequested(app={"id": APP_ID + 1}), "another App's check run"),
        (rerequested(app=None), "another App's check run"),
        (rerequested(sender=READER), f"{READER} lacks write permission"),
        (rerequested(head_sha="f" * 40), "no job remembered for fffffff"),
        (button(identifier="lgtm|26764"), "unknown action 'lgtm|26764'"),
        (button(sender="codellama-bot[bot]"), "re-run by a bot"),
    ],
)
def test_anything_else_is_ignored_and_queues_nothing(
    receiver: Receiver, payload: dict[str, Any], why: str
) -> None:
    assert_ignored(receiver.post("check_run", payload), why)
    assert receiver.jobs == []


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    payload = copy.deepcopy(rerequested())
    holder = payload
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        _without(("check_run", "head_sha")),
        _without(("check_run", "app")),
        _without(("installation",)),
        rerequested(head_sha="not a sha"),
        rerequested(app={"id": "2"}),
        rerequested(name=None),
        {**button(), "requested_action": {"identifier": 7}},
        {**button(), "requested_action": None},
    ],
)
def test_malformed_check_run_events_are_400_and_queue_nothing(
    receiver: Receiver, payload: dict[str, Any]
) -> None:
    response = receiver.post("check_run", payload)
    assert response.status_code == 400, response.text
    assert receiver.jobs == []
