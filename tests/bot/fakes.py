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

    def can_write(self, installation_id: int, repo_full_name: str, login: str) -> bool:
        self.asked.append(login)
        return self.permissions.get(login) in WRITE_PERMISSIONS

    def acknowledge_comment(
        self, installation_id: int, repo_full_name: str, issue_number: int, comment_id: int
    ) -> None:
        self.acknowledged.append(comment_id)


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


@dataclass
class Fakes:
    enqueuer: RecordingEnqueuer
    gate: DictGate
    ledger: MemoryLedger
    ctx: HandlerContext


def fakes(permissions: dict[str, str], **settings: object) -> Fakes:
    values: dict[str, object] = {"github_webhook_secret": SECRET, "bot_login": BOT_LOGIN}
    values.update(settings)
    enqueuer, gate, ledger = RecordingEnqueuer(), DictGate(permissions), MemoryLedger()
    ctx = HandlerContext(
        settings=Settings(**values),  # type: ignore[arg-type]
        ledger=ledger,
        enqueuer=enqueuer,
        github=gate,
    )
    return Fakes(enqueuer, gate, ledger, ctx)
