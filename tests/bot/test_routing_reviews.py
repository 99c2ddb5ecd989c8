"""Reviews of the bot's own pull request, delivery by delivery through the real receiver app in-process with
fakes for the queue, the GitHub gate and the ledger (as tests/bot/test_routing_fast.py does): which review
queues a revision, which is ignored, and which payload is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from core.jobs import RepairRequest
from tests import payloads
from tests.bot.fakes import BOT_LOGIN, SECRET, Fakes, fakes

REPO = "octo/parens"
INSTALLATION = 4242
WRITER, READER = "alice", "rita"
BOT_BRANCH = "codellama/fix-issue-3"


class Receiver:
    def __init__(self, http: TestClient, world: Fakes) -> None:
        self.http, self.fakes = http, world

    @property
    def jobs(self) -> list[RepairRequest]:
        return self.fakes.enqueuer.jobs

    def post(self, event: str, payload: dict[str, Any] | bytes, delivery: str | None = None) -> Any:
        body, headers = payloads.signed(event, payload, SECRET, delivery)
        return self.http.post("/webhook", content=body, headers=headers)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    world = fakes({WRITER: "write", READER: "read", BOT_LOGIN: "admin"})
    with TestClient(create_app(world.ctx)) as http:
        yield Receiver(http, world)


def review(**kwargs: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"number": 8, "review_id": 80, "head_ref": BOT_BRANCH} | kwargs
    return payloads.pull_request_review(REPO, INSTALLATION, **values)


def review_comment(body: str, **kwargs: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"number": 8, "comment_id": 81, "review_id": 80, "head_ref": BOT_BRANCH} | kwargs
    return payloads.pull_request_review_comment(REPO, INSTALLATION, body=body, **values)


def assert_ignored(receiver: Receiver, response: Any, why: str) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["reason"].startswith("ignored: ") and why in response.json()["reason"]
    assert receiver.jobs == []


def test_changes_requested_on_the_bots_pull_request_queues_a_revision(receiver: Receiver) -> None:
    response = receiver.post("pull_request_review", review(body="Handle empty input."), delivery="d-r")
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    assert job == RepairRequest(
        kind="issue",
        installation_id=INSTALLATION,
        repo_full_name=REPO,
        delivery_id="d-r",
        issue_number=8,
        is_pull_request=True,
        instructions="Handle empty input.",
        requested_by=WRITER,
        review_id=80,
    )
    # What the worker receives is what was queued: the new field survives the queue's JSON.
    assert RepairRequest.from_payload(json.loads(json.dumps(job.to_payload()))) == job
    assert receiver.fakes.gate.asked == [WRITER] and receiver.fakes.memory.last(REPO, 8) == job


def test_a_fix_command_in_the_review_body_gives_its_instructions(receiver: Receiver) -> None:
    receiver.post("pull_request_review", review(body="/codellama fix use a set\nnot a list"))
    assert [job.instructions for job in receiver.jobs] == ["use a set\nnot a list"]


@pytest.mark.parametrize("state", ["approved", "commented", "dismissed"])
def test_a_review_that_does_not_request_changes_queues_nothing(receiver: Receiver, state: str) -> None:
    assert_ignored(receiver, receiver.post("pull_request_review", review(state=state)), f"{state!r}")
    assert receiver.fakes.gate.asked == []


@pytest.mark.parametrize(
    "login, user_type", [(BOT_LOGIN, "Bot"), (BOT_LOGIN, "User"), ("other-app[bot]", "Bot")]
)
def test_a_review_by_the_bot_itself_or_any_bot_is_ignored(
    receiver: Receiver, login: str, user_type: str
) -> None:
    response = receiver.post("pull_request_review", review(login=login, user_type=user_type))
    assert_ignored(receiver, response, "review by a bot")
    assert receiver.fakes.gate.asked == []


def test_a_reviewer_without_write_permission_is_ignored(receiver: Receiver) -> None:
    response = receiver.post("pull_request_review", review(login=READER, association="COLLABORATOR"))
    assert_ignored(receiver, response, f"{READER} lacks write permission")
    assert receiver.fakes.gate.asked == [READER]


def test_a_reviewer_who_is_no_collaborator_is_ignored_without_asking_github(receiver: Receiver) -> None:
    response = receiver.post("pull_request_review", review(association="CONTRIBUTOR"))
    assert_ignored(receiver, response, "not a collaborator")
    assert receiver.fakes.gate.asked == []


@pytest.mark.parametrize(
    "head_ref, head_repo",
    [("feature", ""), (BOT_BRANCH, "mallory/parens"), (BOT_BRANCH, None)],
    ids=["not-a-bot-branch", "bot-named-branch-in-a-fork", "fork-gone"],
)
def test_a_review_of_someone_elses_pull_request_is_ignored(
    receiver: Receiver, head_ref: str, head_repo: str | None
) -> None:
    response = receiver.post("pull_request_review", review(head_ref=head_ref, head_repo=head_repo))
    assert_ignored(receiver, response, "is not one of the bot's pull requests")
    assert receiver.fakes.gate.asked == []


def test_a_review_comment_with_the_fix_command_queues_a_revision(receiver: Receiver) -> None:
    response = receiver.post("pull_request_review_comment", review_comment("/codellama fix rename it"))
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    assert (job.issue_number, job.is_pull_request, job.review_id) == (8, True, 80)
    assert (job.instructions, job.requested_by, job.comment_id) == ("rename it", WRITER, None)


@pytest.mark.parametrize(
    "body, why",
    [("nice work", "not a command"), ("/codellama stop", "only `fix`"), ("/codellama help", "only `fix`")],
)
def test_a_review_comment_without_a_fix_command_queues_nothing(
    receiver: Receiver, body: str, why: str
) -> None:
    assert_ignored(receiver, receiver.post("pull_request_review_comment", review_comment(body)), why)


def test_a_review_comment_by_a_reader_or_the_bot_queues_nothing(receiver: Receiver) -> None:
    reader = review_comment("/codellama fix", login=READER, association="COLLABORATOR")
    assert_ignored(receiver, receiver.post("pull_request_review_comment", reader), "lacks write permission")
    bot = review_comment("/codellama fix", login=BOT_LOGIN, user_type="Bot")
    assert_ignored(receiver, receiver.post("pull_request_review_comment", bot), "review by a bot")


def _broken(event: str, path: str, value: Any) -> dict[str, Any]:
    payload = review() if event == "pull_request_review" else review_comment("/codellama fix")
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return payload


@pytest.mark.parametrize(
    "event, path, value",
    [
        ("pull_request_review", "review.state", KeyError),
        ("pull_request_review", "review.id", "80"),
        ("pull_request_review", "review.body", "x" * 70_000),
        ("pull_request_review", "review.user", None),
        ("pull_request_review", "pull_request.head.ref", "codellama/fix\n-3"),
        ("pull_request_review", "pull_request.number", -1),
        ("pull_request_review", "action", KeyError),
        ("pull_request_review_comment", "comment.pull_request_review_id", None),
        ("pull_request_review_comment", "comment.body", ["/codellama fix"]),
        ("pull_request_review_comment", "pull_request.head", "codellama/fix-issue-3"),
        ("pull_request_review_comment", "installation", KeyError),
    ],
)
def test_a_malformed_review_payload_is_refused_with_4xx_and_queues_nothing(
    receiver: Receiver, event: str, path: str, value: Any
) -> None:
    response = receiver.post(event, _broken(event, path, value))
    assert 400 <= response.status_code < 500, response.text
    assert path.split(".")[-1] in response.json()["reason"] or "action" in response.json()["reason"]
    assert receiver.jobs == [] and receiver.fakes.ledger.deliveries == set()


@pytest.mark.parametrize("event", ["pull_request_review", "pull_request_review_comment"])
@pytest.mark.parametrize("body", [b"{not json", b"[]", b"\xff\xfe", b'{"action": "%s"}'])
def test_hostile_bodies_are_4xx_never_5xx(receiver: Receiver, event: str, body: bytes) -> None:
    action = b"submitted" if event == "pull_request_review" else b"created"
    response = receiver.post(event, body.replace(b"%s", action))
    assert 400 <= response.status_code < 500, response.text
    assert receiver.jobs == [] and receiver.fakes.ledger.deliveries == set()
