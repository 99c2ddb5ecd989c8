"""A GitHub stand-in seeded with the bot's App, one installation and one repository, plus settings for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from core.jobs import RepairRequest
from core.settings import Settings
from tests.stand_ins.github_server import GitHubStandIn

APP_ID = 4242
INSTALLATION_ID = 77
REPO = "octo-org/quixbugs-mini"
SECRET = "webhook-secret-for-tests"
MAINTAINER = "alice"


@dataclass
class World:
    gh: GitHubStandIn
    pem: str
    base_sha: str

    def settings(self, redis_url: str, queue: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "github_app_id": APP_ID,
            "github_private_key": self.pem,
            "github_webhook_secret": SECRET,
            "github_api_url": self.gh.api_url,
            "github_seconds_between_requests": 0,
            "github_seconds_between_writes": 0,
            "redis_url": redis_url,
            "celery_queue": queue,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def env(self, redis_url: str, queue: str, **extra: str) -> dict[str, str]:
        """The same settings as environment variables, for `codellama-bot serve` and `worker` processes."""
        env = {
            "GITHUB_APP_ID": str(APP_ID),
            "GITHUB_PRIVATE_KEY": self.pem,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": self.gh.api_url,
            "GITHUB_SECONDS_BETWEEN_REQUESTS": "0",
            "GITHUB_SECONDS_BETWEEN_WRITES": "0",
            "REDIS_URL": redis_url,
            "CELERY_QUEUE": queue,
        }
        env.update(extra)
        return env


@contextmanager
def github_world(
    root: Path, files: dict[str, str], token_lifetime: timedelta = timedelta(hours=1)
) -> Iterator[World]:
    with GitHubStandIn(root, token_lifetime=token_lifetime) as gh:
        pem = gh.register_app(APP_ID)
        sha = gh.create_repo(REPO, files=files)
        gh.add_installation(APP_ID, INSTALLATION_ID, [REPO])
        gh.set_permission(REPO, MAINTAINER, "write")
        yield World(gh, pem, sha)


def issue_request(number: int, **fields: object) -> RepairRequest:
    """The job a maintainer's `/codellama fix` on issue `number` of REPO queues; `fields` replace any part."""
    request: dict[str, object] = {
        "kind": "issue",
        "installation_id": INSTALLATION_ID,
        "repo_full_name": REPO,
        "delivery_id": "d",
        "issue_number": number,
        "comment_id": 1,
        "requested_by": MAINTAINER,
    }
    return RepairRequest(**{**request, **fields})  # type: ignore[arg-type]
