"""In-memory stand-ins for the receiver's three collaborators (queue, GitHub gate, delivery ledger), so that
the routing table can be driven in-process in milliseconds. The end-to-end tests run the same handlers on a
real Redis, Celery queue and GitHub stand-in; these only answer the question "which delivery queues what"."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.context import HandlerContext
from bot.github_gate import WRITE_PERMISSIONS
from core.jobs import RepairRequest
from core.settings import Settings

SECRET = "fast-handler-secret"
BOT_LOGIN = "codellama-bot[bot]"


class RecordingEnqueuer:
    """The Enqueuer protocol: every request it is given, in order."""

    def __init__(self) -> None:
        self.jobs: list[RepairRequest] = []

    def enqueue(self, request: RepairRequest) -> str:
        self.jobs.append(request)
        return request.delivery_id


@dataclass
class DictGate:
    """The GitHubGate protocol answered from a dict of login -> repository permission ("read", "write", ...).
    A login missing from the dict is not a collaborator, as GitHub's 404 means."""

    permissions: dict[str, str]
    asked: list[str] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)
    replies: list[tuple[int, str]] = field(default_factory=list)

    def can_write(self, installation_id: int, repo_full_name: str, login: str) -> bool:
        self.asked.append(login)
        return self.permissions.get(login) in WRITE_PERMISSIONS

    def acknowledge_comment(
        self, installation_id: int, repo_full_name: str, issue_number: int, comment_id: int
    ) -> None:
        self.acknowledged.append(comment_id)

    def reply(self, installation_id: int, repo_full_name: str, issue_number: int, body: str) -> None:
        self.replies.append((issue_number, body))


class MemoryLedger:
    """The Ledger contract (bot/dedupe.py) kept in two in-process collections."""

    def __init__(self) -> None:
        self.deliveries: set[str] = set()
        self.attempts: dict[tuple[str, str], int] = {}

    def ping(self) -> None:
        return None

    def claim_delivery(self, delivery_id: str) -> bool:
        if delivery_id in self.deliveries:
            return False
        self.deliveries.add(delivery_id)
        return True

    def release_delivery(self, delivery_id: str) -> None:
        self.deliveries.discard(delivery_id)

    def claim_ci_attempt(self, repo_full_name: str, head_sha: str, cap: int) -> bool:
        key = (repo_full_name, head_sha)
        if self.attempts.get(key, 0) >= cap:
            return False
        self.attempts[key] = self.attempts.get(key, 0) + 1
        return True

    def release_ci_attempt(self, repo_full_name: str, head_sha: str) -> None:
        key = (repo_full_name, head_sha)
        self.attempts[key] = max(0, self.attempts.get(key, 0) - 1)

    def ci_attempts(self, repo_full_name: str, head_sha: str) -> int:
        return self.attempts.get((repo_full_name, head_sha), 0)


class MemoryJobs:
    """The JobMemory contract (bot/job_memory.py) in two dicts keyed by (repository, number)."""

    def __init__(self) -> None:
        self.last_jobs: dict[tuple[str, int], RepairRequest] = {}
        self.stops: dict[tuple[str, int], str] = {}
        self.by_commit: dict[tuple[str, str], RepairRequest] = {}  # written by workers in production

    def remember(self, request: RepairRequest) -> None:
        if request.issue_number is not None:
            self.last_jobs[(request.repo_full_name, request.issue_number)] = request

    def last(self, repo_full_name: str, number: int) -> RepairRequest | None:
        return self.last_jobs.get((repo_full_name, number))

    def for_commit(self, repo_full_name: str, head_sha: str) -> RepairRequest | None:
        return self.by_commit.get((repo_full_name, head_sha))

    def request_stop(self, repo_full_name: str, number: int) -> str | None:
        last = self.last(repo_full_name, number)
        if last is None:
            return None
        self.stops[(repo_full_name, number)] = last.delivery_id
        return last.delivery_id


@dataclass
class Fakes:
    enqueuer: RecordingEnqueuer
    gate: DictGate
    ledger: MemoryLedger
    memory: MemoryJobs
    ctx: HandlerContext


def fakes(permissions: dict[str, str], **settings: object) -> Fakes:
    values: dict[str, object] = {"github_webhook_secret": SECRET, "bot_login": BOT_LOGIN}
    values.update(settings)
    enqueuer, gate, ledger, memory = RecordingEnqueuer(), DictGate(permissions), MemoryLedger(), MemoryJobs()
    ctx = HandlerContext(
        settings=Settings(**values),  # type: ignore[arg-type]
        ledger=ledger,
        enqueuer=enqueuer,
        github=gate,
        memory=memory,
    )
    return Fakes(enqueuer, gate, ledger, memory, ctx)
