"""The routing table, delivery by delivery, through the real receiver app in-process (Starlette's TestClient)
with fakes for the queue, the GitHub gate and the delivery ledger: no Redis, no HTTP stand-in, no process.
tests/bot/test_webhook*.py run the same paths on real parts; these say in milliseconds which route broke."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from core.jobs import RepairRequest
from tests import payloads
from tests.bot.fakes import BOT_LOGIN, SECRET, Fakes, fakes
from tests.conftest import WEBHOOK_EXAMPLES

REPO = "octo/parens"
INSTALLATION = 4242
WRITER = "alice"
READER = "rita"
SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class Receiver:
    http: TestClient
    fakes: Fakes

    @property
    def jobs(self) -> list[RepairRequest]:
        return self.fakes.enqueuer.jobs

    def post(self, event: str, payload: dict[str, Any] | bytes, delivery: str | None = None) -> Any:
        body, headers = payloads.signed(event, payload, SECRET, delivery)
        return self.http.post("/webhook", content=body, headers=headers)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    world = fakes({WRITER: "write", READER: "read"})
    with TestClient(create_app(world.ctx)) as http:
        yield Receiver(http, world)


def comment(body: str, **kwargs: Any) -> dict[str, Any]:
    return payloads.issue_comment(REPO, INSTALLATION, number=7, comment_id=70, body=body, **kwargs)


def example(event: str, name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((WEBHOOK_EXAMPLES / event / name).read_text())
    payload["installation"] = {"id": INSTALLATION}
    return payload


def assert_ignored(response: Any, why: str) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["reason"].startswith("ignored: ") and why in response.json()["reason"]


# issue_comment


def test_writer_command_with_instructions_queues_one_job_and_acknowledges(receiver: Receiver) -> None:
    response = receiver.post(
        "issue_comment", comment("/codellama fix use a stack\nlook at the final depth"), delivery="d-1"
    )
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    assert job == RepairRequest(
        kind="issue",
        installation_id=INSTALLATION,
        repo_full_name=REPO,
        delivery_id="d-1",
        issue_number=7,
        comment_id=70,
        is_pull_request=False,
        instructions="use a stack\nlook at the final depth",
        requested_by=WRITER,
    )
    assert receiver.fakes.gate.asked == [WRITER]
    assert receiver.fakes.gate.acknowledged == [70]


def test_command_on_a_pull_request_says_so(receiver: Receiver) -> None:
    assert receiver.post("issue_comment", comment("/codellama fix", on_pull_request=True)).status_code == 202
    [job] = receiver.jobs
    assert job.is_pull_request and job.instructions == ""


def test_read_only_collaborator_queues_nothing(receiver: Receiver) -> None:
    response = receiver.post(
        "issue_comment", comment("/codellama fix", login=READER, association="COLLABORATOR")
    )
    assert_ignored(response, f"{READER} lacks write permission")
    assert receiver.jobs == [] and receiver.fakes.gate.asked == [READER]
    assert receiver.fakes.gate.acknowledged == []


def test_non_collaborator_is_refused_without_asking_github(receiver: Receiver) -> None:
    # The gate would say yes (WRITER can write): the association alone must refuse.
    response = receiver.post("issue_comment", comment("/codellama fix", association="CONTRIBUTOR"))
    assert_ignored(response, "not a collaborator")
    assert receiver.jobs == [] and receiver.fakes.gate.asked == []


@pytest.mark.parametrize(
    "login, user_type",
    [(BOT_LOGIN, "Bot"), (BOT_LOGIN, "User"), ("other-app[bot]", "Bot")],
    ids=["own-app", "own-login", "any-bot"],
)
def test_comment_by_a_bot_queues_nothing(receiver: Receiver, login: str, user_type: str) -> None:
    # Even with write permission, so that only the bot check can stop it.
    receiver.fakes.gate.permissions[login] = "admin"
    response = receiver.post("issue_comment", comment("/codellama fix", login=login, user_type=user_type))
    assert_ignored(response, "comment by a bot")
    assert receiver.jobs == []


@pytest.mark.parametrize("body", ["please /codellama fix", "/codellamafix", "", "looks good to me"])
def test_comment_without_the_command_queues_nothing(receiver: Receiver, body: str) -> None:
    assert_ignored(receiver.post("issue_comment", comment(body)), "not a command")
    assert receiver.jobs == [] and receiver.fakes.gate.asked == []


@pytest.mark.parametrize(
    "body, unknown",
    [("/codellama help", ""), ("/codellama", ""), ("/CodeLlama HELP me", ""), ("/codellama fixit", "fixit")],
)
def test_help_or_an_unknown_subcommand_queues_a_help_job(receiver: Receiver, body: str, unknown: str) -> None:
    # Help is answered by a worker: the configuration it shows is read from the repository, which the
    # receiver has no time for within GitHub's 10 s.
    response = receiver.post("issue_comment", comment(body), delivery="d-help")
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    assert (job.kind, job.issue_number, job.unknown_subcommand, job.delivery_id) == (
        "help",
        7,
        unknown,
        "d-help",
    )
    assert receiver.fakes.gate.asked == [WRITER] and receiver.fakes.gate.acknowledged == [70]


@pytest.mark.parametrize(
    "body", ["/codellama help", "/codellama fixit", "/codellama stop", "/codellama retry"]
)
def test_every_command_needs_write_permission(receiver: Receiver, body: str) -> None:
    response = receiver.post("issue_comment", comment(body, login=READER, association="COLLABORATOR"))
    assert_ignored(response, f"{READER} lacks write permission")
    assert receiver.jobs == [] and receiver.fakes.gate.acknowledged == []


def test_fix_is_remembered_for_retry_and_stop(receiver: Receiver) -> None:
    receiver.post("issue_comment", comment("/codellama fix use a stack"), delivery="d-fix")
    assert receiver.fakes.memory.last(REPO, 7) == receiver.jobs[0]


def test_retry_queues_the_last_job_again_with_new_instructions(receiver: Receiver) -> None:
    receiver.post(
        "issue_comment", comment("/codellama fix use a stack", on_pull_request=True), delivery="d-1"
    )
    response = receiver.post("issue_comment", comment("/codellama retry\nkeep it short"), delivery="d-2")
    assert response.status_code == 202 and "retry of d-1" in response.json()["reason"], response.text
    first, again = receiver.jobs
    assert again.delivery_id == "d-2" and again.instructions == "keep it short"
    assert again.is_pull_request and (again.kind, again.issue_number) == (first.kind, first.issue_number)
    assert receiver.fakes.memory.last(REPO, 7) == again  # a second retry repeats the retried job
    assert receiver.fakes.gate.acknowledged == [70, 70]


def test_retry_without_instructions_keeps_the_old_ones(receiver: Receiver) -> None:
    receiver.post("issue_comment", comment("/codellama fix use a stack"), delivery="d-1")
    receiver.post("issue_comment", comment("/codellama retry"), delivery="d-2")
    assert [job.instructions for job in receiver.jobs] == ["use a stack", "use a stack"]


def test_retry_with_nothing_remembered_says_so_and_queues_nothing(receiver: Receiver) -> None:
    response = receiver.post("issue_comment", comment("/codellama retry"))
    assert response.status_code == 200 and "nothing to retry" in response.json()["reason"], response.text
    assert receiver.jobs == []
    [(number, body)] = receiver.fakes.gate.replies
    assert number == 7 and "nothing to retry" in body and "`/codellama fix [instructions]`" in body


def test_stop_marks_the_last_job_stopped_and_queues_nothing(receiver: Receiver) -> None:
    receiver.post("issue_comment", comment("/codellama fix"), delivery="d-1")
    response = receiver.post("issue_comment", comment("/codellama stop"), delivery="d-2")
    assert response.status_code == 200 and "stop of d-1" in response.json()["reason"], response.text
    assert len(receiver.jobs) == 1 and receiver.fakes.memory.stops == {(REPO, 7): "d-1"}
    assert receiver.fakes.gate.acknowledged == [70, 70] and receiver.fakes.gate.replies == []


def test_stop_with_no_job_says_so(receiver: Receiver) -> None:
    response = receiver.post("issue_comment", comment("/codellama stop"))
    assert response.status_code == 200 and "nothing to stop" in response.json()["reason"], response.text
    assert receiver.fakes.memory.stops == {}
    [(number, body)] = receiver.fakes.gate.replies
    assert number == 7 and "nothing to stop" in body


@pytest.mark.parametrize("action", ["edited", "deleted"])
def test_edited_or_deleted_command_queues_nothing(receiver: Receiver, action: str) -> None:
    payload = example("issue_comment", f"{action}.payload.json")
    payload["comment"].update(body="/codellama fix", author_association="OWNER")
    payload["comment"]["user"]["login"] = payload["sender"]["login"] = WRITER
    assert_ignored(receiver.post("issue_comment", payload), f"no handler for issue_comment.{action}")
    assert receiver.jobs == []


def test_redelivered_command_queues_once(receiver: Receiver) -> None:
    assert receiver.post("issue_comment", comment("/codellama fix"), delivery="same").status_code == 202
    assert_ignored(
        receiver.post("issue_comment", comment("/codellama fix"), delivery="same"), "already handled"
    )
    assert len(receiver.jobs) == 1


# workflow_run (GitHub Actions)


def failed_run(**run: Any) -> dict[str, Any]:
    payload = payloads.workflow_run_failed(
        REPO, INSTALLATION, run_id=900, branch="fix-depth", sha=SHA, pulls=(3,)
    )
    payload["workflow_run"].update(run)
    return payload


def test_failed_workflow_run_queues_one_ci_job(receiver: Receiver) -> None:
    payload = failed_run()
    response = receiver.post("workflow_run", payload, delivery="d-run")
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    assert job == RepairRequest(
        kind="ci",
        installation_id=INSTALLATION,
        repo_full_name=REPO,
        delivery_id="d-run",
        head_branch="fix-depth",
        head_sha=SHA,
        workflow_run_id=900,
        check_suite_id=payload["workflow_run"]["check_suite_id"],
        pull_numbers=(3,),
    )
    assert receiver.fakes.ledger.ci_attempts(REPO, SHA) == 1


def test_timed_out_workflow_run_counts_as_failed(receiver: Receiver) -> None:
    assert receiver.post("workflow_run", failed_run(conclusion="timed_out")).status_code == 202
    assert len(receiver.jobs) == 1


@pytest.mark.parametrize("conclusion", ["success", "cancelled", "skipped", None])
def test_workflow_run_that_did_not_fail_queues_nothing(receiver: Receiver, conclusion: str | None) -> None:
    assert_ignored(
        receiver.post("workflow_run", failed_run(conclusion=conclusion)), f"conclusion is {conclusion!r}"
    )
    assert receiver.jobs == []


def test_workflow_run_on_the_bots_own_branch_queues_nothing(receiver: Receiver) -> None:
    response = receiver.post("workflow_run", failed_run(head_branch="codellama/fix-7"))
    assert_ignored(response, "codellama/fix-7 is one of the bot's own branches")
    assert receiver.jobs == []


def test_workflow_run_triggered_by_the_bot_queues_nothing(receiver: Receiver) -> None:
    payload = failed_run()
    payload["sender"].update(login=BOT_LOGIN, type="Bot")
    assert_ignored(receiver.post("workflow_run", payload), "run triggered by a bot")
    assert receiver.jobs == []


def test_workflow_run_from_a_fork_queues_a_job_that_knows_the_fork(receiver: Receiver) -> None:
    # GitHub leaves `pull_requests` empty for a run on a fork's pull request: the worker finds it by head.
    payload = failed_run(pull_requests=[])
    payload["workflow_run"]["head_repository"]["full_name"] = "mallory/parens"
    response = receiver.post("workflow_run", payload)
    assert response.status_code == 202 and "head in the fork mallory/parens" in response.json()["reason"]
    [job] = receiver.jobs
    assert (job.head_repo, job.head_branch, job.head_sha, job.pull_numbers) == (
        "mallory/parens",
        "fix-depth",
        SHA,
        (),
    )


def test_workflow_run_on_a_bot_named_branch_of_a_fork_still_queues_nothing(receiver: Receiver) -> None:
    payload = failed_run(head_branch="codellama/fix-7")
    payload["workflow_run"]["head_repository"]["full_name"] = "mallory/parens"
    assert_ignored(receiver.post("workflow_run", payload), "one of the bot's own branches")
    assert receiver.jobs == []


def test_workflow_run_on_a_tag_queues_nothing(receiver: Receiver) -> None:
    assert_ignored(receiver.post("workflow_run", failed_run(head_branch=None)), "no head branch")
    assert receiver.jobs == []


def test_second_failure_report_for_one_commit_queues_nothing(receiver: Receiver) -> None:
    # workflow_run and check_suite both report one Actions failure: only the first queues.
    assert receiver.post("workflow_run", failed_run()).status_code == 202
    suite = payloads.check_suite_failed(REPO, INSTALLATION, suite_id=55, branch="fix-depth", sha=SHA)
    assert_ignored(receiver.post("check_suite", suite), "already attempted")
    assert len(receiver.jobs) == 1


def test_workflow_run_in_progress_has_no_route(receiver: Receiver) -> None:
    payload = failed_run()
    payload["action"] = "requested"
    assert_ignored(receiver.post("workflow_run", payload), "no handler for workflow_run.requested")
    assert receiver.jobs == []


# check_suite (any CI, including ones that are not GitHub Actions)


def failed_suite(**suite: Any) -> dict[str, Any]:
    payload = payloads.check_suite_failed(REPO, INSTALLATION, suite_id=55, branch="fix-depth", sha=SHA)
    payload["check_suite"]["app"] = {"id": 10, "slug": "circleci-checks", "name": "CircleCI Checks"}
    payload["check_suite"].update(suite)
    return payload


def test_failed_check_suite_from_another_ci_queues_one_ci_job(receiver: Receiver) -> None:
    response = receiver.post("check_suite", failed_suite(), delivery="d-suite")
    assert response.status_code == 202, response.text
    [job] = receiver.jobs
    assert (job.kind, job.delivery_id, job.head_branch, job.head_sha) == ("ci", "d-suite", "fix-depth", SHA)
    assert (job.check_suite_id, job.workflow_run_id) == (55, None)
    assert job.repo_full_name == REPO and job.installation_id == INSTALLATION


def test_passing_check_suite_queues_nothing(receiver: Receiver) -> None:
    assert_ignored(
        receiver.post("check_suite", failed_suite(conclusion="success")), "conclusion is 'success'"
    )
    assert receiver.jobs == []


def test_check_suite_on_the_bots_own_branch_queues_nothing(receiver: Receiver) -> None:
    response = receiver.post("check_suite", failed_suite(head_branch="codellama/fix-7"))
    assert_ignored(response, "one of the bot's own branches")
    assert receiver.jobs == []


# everything else


def test_ping_is_answered(receiver: Receiver) -> None:
    response = receiver.post("ping", example("ping", "with-app_id.payload.json"))
    assert (response.status_code, response.json()["reason"]) == (200, "pong")
    assert receiver.jobs == []


@pytest.mark.parametrize(
    "event, name",
    [("push", "payload.json"), ("issues", "opened.payload.json"), ("pull_request", "opened.payload.json")],
)
def test_unrouted_event_is_2xx_and_queues_nothing(receiver: Receiver, event: str, name: str) -> None:
    payload = example(event, name)
    response = receiver.post(event, payload)
    assert 200 <= response.status_code < 300, response.text
    assert_ignored(response, f"no handler for {event}")
    assert receiver.jobs == [] and receiver.fakes.gate.asked == []


def test_bad_signature_is_401_and_queues_nothing(receiver: Receiver) -> None:
    body, headers = payloads.signed("issue_comment", comment("/codellama fix"), "not-the-secret")
    response = receiver.http.post("/webhook", content=body, headers=headers)
    assert response.status_code == 401, response.text
    assert receiver.jobs == [] and receiver.fakes.ledger.deliveries == set()


@pytest.mark.parametrize(
    "event, body, names",
    [
        ("issue_comment", b"{not json", ""),
        ("issue_comment", b"[1, 2]", ""),
        ("workflow_run", None, "workflow_run.head_sha"),
        ("issue_comment", None, "action"),
    ],
    ids=["not-json", "not-an-object", "missing-field", "missing-action"],
)
def test_malformed_delivery_is_400_and_queues_nothing(
    receiver: Receiver, event: str, body: bytes | None, names: str
) -> None:
    if body is None:
        payload = failed_run() if event == "workflow_run" else comment("/codellama fix")
        payload = copy.deepcopy(payload)
        if names == "action":
            del payload["action"]
        else:
            del payload["workflow_run"]["head_sha"]
        body = json.dumps(payload).encode()
    response = receiver.post(event, body)
    assert response.status_code == 400, response.text
    assert names in response.json()["reason"]
    assert receiver.jobs == [] and receiver.fakes.ledger.deliveries == set()


def test_a_crash_inside_a_handler_is_500_and_the_redelivery_is_handled(receiver: Receiver) -> None:
    def crash(installation_id: int, repo_full_name: str, login: str) -> bool:
        raise RuntimeError("a bug in the handler's path")

    receiver.fakes.gate.can_write = crash  # type: ignore[method-assign]
    response = receiver.post("issue_comment", comment("/codellama fix"), delivery="crash")
    assert response.status_code == 500 and "redelivered" in response.json()["reason"], response.text
    assert receiver.jobs == []
    # The claim on the delivery was released: GitHub's redelivery, once the bug is gone, is handled.
    del receiver.fakes.gate.can_write
    assert receiver.post("issue_comment", comment("/codellama fix"), delivery="crash").status_code == 202
    assert len(receiver.jobs) == 1
