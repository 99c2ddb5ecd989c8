"""The malformed-delivery corpus against a real `codellama-bot serve` process, over HTTP, on a real Redis
and Celery queue: every delivery gets a 4xx with its reason and nothing is queued."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests import malformed_deliveries as md
from tests import processes
from tests.bugs import PARENS, quixbugs_repo
from tests.conftest import free_port
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, SECRET, World, github_world
from tests.raw_delivery import queued_jobs, send

LIMIT = 1024 * 1024


@dataclass
class Stack:
    world: World
    port: int
    redis: redis.Redis
    queue: str
    bases: list[md.Base]


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Stack]:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        number = world.gh.add_issue(REPO, "Unbalanced parentheses pass", "`((` is accepted", user=MAINTAINER)
        comment = world.gh.add_issue_comment(REPO, number, "/codellama fix", user=MAINTAINER)
        bases = md.bases(
            REPO,
            INSTALLATION_ID,
            number=number,
            comment_id=comment["id"],
            login=MAINTAINER,
            sha=world.base_sha,
        )
        env = world.env(redis_url, queue_name, WEBHOOK_MAX_BODY_BYTES=str(LIMIT))
        port = free_port()
        with processes.serve(env, port, tmp_path / "serve.log") as server:
            yield Stack(world, port, redis.Redis.from_url(redis_url), queue_name, bases)
            assert "Traceback" not in server.log(), server.log()[-5000:]


def test_every_malformed_delivery_is_a_4xx_naming_the_problem_and_queues_nothing(stack: Stack) -> None:
    cases = md.corpus(stack.bases, SECRET, LIMIT)
    assert len(cases) >= 500
    answers = [(case, send("127.0.0.1", stack.port, case)) for case in cases]
    statuses = Counter(answer.status for _, answer in answers)
    wrong = [(c.name, a.status, a.reason) for c, a in answers if not 400 <= a.status < 500]
    assert wrong == [], f"{statuses}: {wrong[:10]}"
    unnamed = [(c.name, a.reason) for c, a in answers if c.field and c.field not in a.reason]
    assert unnamed == [], unnamed[:10]
    assert queued_jobs(stack.redis, stack.queue) == 0
    assert stack.world.gh.reactions(stack.bases[0].payload["comment"]["id"]) == []
    # The corpus is not refused wholesale: each base delivery, sent as it is, queues its job, even when it
    # reuses a delivery id a malformed delivery had (the refusal claimed nothing).
    for i, base in enumerate(stack.bases):
        good = md.Case(base.event, *_as_sent(base, f"corpus-{i + 1}"))
        answer = send("127.0.0.1", stack.port, good)
        assert answer.status == 202, answer
    assert queued_jobs(stack.redis, stack.queue) == len(stack.bases)


def _as_sent(base: md.Base, delivery: str) -> tuple[bytes, tuple[tuple[bytes, bytes], ...]]:
    import json

    body = json.dumps(base.payload).encode()
    return body, md._signed(base.event, body, SECRET, delivery)
