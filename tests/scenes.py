"""The "parens world" that the end-to-end and worker-recovery tests (and bench/worker_recovery.py) play in:
the GitHub stand-in holding QuixBugs' broken parenthesization, the TGI stand-in, and the settings the bot's
processes get. One place, so that the knobs the scenes share cannot drift apart between them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests import payloads
from tests.bugs import PARENS, quixbugs_repo
from tests.conftest import free_port, wait_until
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, SECRET, World, github_world
from tests.stand_ins.tgi_server import TGIStandIn


@dataclass
class HeldModel:
    """A model that keeps the first request (or every one) waiting until `release` is set, so that a worker
    is caught inside its job, waiting for the model, when the scene stops it. Records each prompt with its
    time.monotonic()."""

    answer: str
    hold_s: float
    hold_every: bool = False
    prompts: list[tuple[float, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __call__(self, prompt: str, parameters: dict[str, Any]) -> str:
        self.prompts.append((time.monotonic(), prompt))
        if self.hold_every or len(self.prompts) == 1:
            self.release.wait(timeout=self.hold_s)
        return self.answer


@dataclass
class Scene:
    world: World
    tgi: TGIStandIn
    env: dict[str, str]
    tmp: Path
    port: int  # for `codellama-bot serve`
    model: HeldModel | None

    @property
    def held(self) -> HeldModel:
        assert self.model is not None, "this scene's model answers from a script, it holds nothing"
        return self.model

    def deliver(
        self, event: str, payload: dict[str, Any] | bytes, delivery: str, secret: str = SECRET
    ) -> requests.Response:
        body, headers = payloads.signed(event, payload, secret, delivery)
        return requests.post(f"http://127.0.0.1:{self.port}/webhook", data=body, headers=headers, timeout=10)

    def fix_command(self, body: str = "/codellama fix", issue_body: str = "") -> tuple[int, dict[str, Any]]:
        """A maintainer's comment on a new issue about `((`, and the payload GitHub delivers for it."""
        gh = self.world.gh
        number = gh.add_issue(REPO, "`((` counts as balanced", issue_body)
        comment = gh.add_issue_comment(REPO, number, body, user=MAINTAINER)
        payload = payloads.issue_comment(
            REPO, INSTALLATION_ID, number=number, comment_id=comment["id"], body=body, login=MAINTAINER
        )
        return number, payload

    def deliver_fix_command(self, delivery: str) -> int:
        """A maintainer's bare `/codellama fix` on a new issue, delivered and queued; the issue number."""
        number, payload = self.fix_command()
        reply = self.deliver("issue_comment", payload, delivery)
        assert reply.status_code == 202, reply.text
        return number

    def pull_request(self, timeout_s: float = 180) -> dict[str, Any]:
        pulls: list[dict[str, Any]] = wait_until(
            lambda: self.world.gh.pulls(REPO), timeout_s, "the pull request"
        )
        return pulls[0]


def bot_env(
    world: World, tgi: TGIStandIn, tmp: Path, redis_url: str, queue: str, **knobs: str
) -> dict[str, str]:
    """The environment of a scene's bot processes: one candidate, the model at `tgi`, jobs under tmp."""
    return world.env(
        redis_url, queue, TGI_URL=tgi.url, BOT_WORKDIR=str(tmp / "work"), CANDIDATES="1", **knobs
    )


@contextmanager
def parens_scene(
    tmp: Path, redis_url: str, queue: str, model: HeldModel | list[str], **knobs: str
) -> Iterator[Scene]:
    """The parens world, with two rounds and no model retries unless `knobs` say otherwise. A held model is
    released on the way out, so that no stand-in thread is left waiting."""
    with github_world(tmp / "github", quixbugs_repo(PARENS)) as world, TGIStandIn(model) as tgi:
        knobs = {"BOT_MAX_ITERATIONS": "2", "TGI_RETRIES": "0", **knobs}
        env = bot_env(world, tgi, tmp, redis_url, queue, **knobs)
        held = model if isinstance(model, HeldModel) else None
        try:
            yield Scene(world, tgi, env, tmp, free_port(), held)
        finally:
            if held is not None:
                held.release.set()
