"""A receiver whose /jobs page is on, over a real Redis, with one finished job and its trajectory written
by the worker's own code: shared by the page's HTTP tests and its browser test."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import redis
from starlette.applications import Starlette

from bot.app import create_app
from core.job_registry import JobRegistry
from core.jobs import RepairRequest
from inference.protocol import Generation
from tests.bot.fakes import fakes
from workers.loop.trajectory import Trajectory
from workers.trajectory_store import keep_trajectory

TOKEN = "operator-token-for-tests-0123456789"
JOB = "d-page-1"
REPO = "octo/parens"
# What a hostile model (or issue author) might answer: it must show as text, never run.
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
DIFF = "--- a/p.py\n+++ b/p.py\n@@ -1,2 +1,2 @@\n-    return True\n+    return depth == 0\n"


def page_app(tmp: Path, redis_url: str, *, token: str | None = TOKEN) -> Starlette:
    settings = {"redis_url": redis_url, "bot_data_dir": tmp / "data"}
    if token is not None:
        settings["operator_token"] = token
    scene = fakes({}, **settings)
    registry = JobRegistry.for_settings(redis.Redis.from_url(redis_url), scene.ctx.settings)
    request = RepairRequest("issue", 1, REPO, JOB, issue_number=3)
    registry.queued(request, [f"https://github.com/{REPO}/issues/3"])
    registry.running(request, [f"https://github.com/{REPO}/issues/3"])
    pull = f"https://github.com/{REPO}/pull/4"
    registry.done(JOB, "pull_request", pull, tokens=5432, rounds=1, links=[pull, "javascript:alert(1)"])
    record = Trajectory("github", JOB)
    record.repository = REPO
    record.round_started(1, f"Fix the bug. The issue says: {HOSTILE}")
    answer = Generation(f"Here is the fix {HOSTILE}", 40, 1000, 1.5, "eos_token")
    record.answered([answer], prompt_tokens=1000, model_s=1.5)
    test_run = {"command": "pytest", "exit_code": 0, "output_excerpt": "1 passed <b>bold?</b>"}
    record.rounds[-1]["candidates"] = [
        {"passed": True, "refusal": "", "diff": DIFF, "test_run": test_run, "feedback": ""}
    ]
    record.ended({"status": "fixed", "reason": "the tests pass", "diff": DIFF})
    keep_trajectory(scene.ctx.settings, record, scrub=lambda text: text)
    return create_app(replace(scene.ctx, jobs=registry))
