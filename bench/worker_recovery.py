"""How long a job waits when its worker dies, with DEFAULT lease settings (issue 8, point 4).

    python bench/worker_recovery.py [--redis redis://127.0.0.1:6379] [--runs 1]

Real redis-server, `codellama-bot serve` and two `codellama-bot worker` processes, the GitHub and TGI
stand-ins. The first worker is inside its job, waiting for the model, when it is killed with SIGKILL (the
OOM killer) or sent SIGTERM on its main process alone (`docker stop`); a second worker is already running.
Prints, per run, seconds from the signal until: the stopped worker exited; the second worker received the
job; it asked the model (its clone, setup and first test run done); the pull request exists. Claims a
free Redis database (1-15) as the tests do and empties it afterwards. The stand-ins' BrokenPipe noise on
stderr is the killed worker's requests; the figures are on stdout.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import CLAIM_KEY, wait_until
from tests.github_world import REPO
from tests.scenes import HeldModel, parens_scene


def _claim_db(server: str) -> str:
    for db in range(1, 16):
        client = redis.Redis.from_url(f"{server}/{db}")
        if client.set(CLAIM_KEY, str(os.getpid()), nx=True, ex=3600):
            return f"{server}/{db}"
    raise SystemExit("every Redis database 1-15 is claimed by a running test session")


def _received_at(log: str) -> float:
    """When the worker's log says it received the repair task (its logging clock is the wall clock)."""
    line = next(line for line in log.splitlines() if "Task workers.repair" in line and "received" in line)
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def one_run(how: signal.Signals, redis_url: str, tmp: Path) -> dict[str, float]:
    model = HeldModel(PARENS_RIGHT, hold_s=300)
    queue = f"bench-recovery-{os.getpid()}-{how.name}"
    with parens_scene(tmp, redis_url, queue, model, TGI_TIMEOUT_S="300") as scene:
        env, gh = scene.env, scene.world.gh
        with (
            processes.serve(env, scene.port, tmp / "serve.log"),
            processes.worker(env, tmp / "first.log", name="first") as first,
        ):
            scene.deliver_fix_command(f"bench-{how.name}")
            wait_until(lambda: model.prompts, 120, "the first worker to ask the model")
            with processes.worker(env, tmp / "second.log", name="second") as second:
                if how == signal.SIGKILL:
                    os.killpg(first.proc.pid, signal.SIGKILL)
                else:
                    os.kill(first.proc.pid, signal.SIGTERM)
                signalled, signalled_wall = time.monotonic(), time.time()
                wait_until(lambda: first.proc.poll() is not None, 60, "the first worker to exit")
                exited = time.monotonic()
                wait_until(lambda: len(model.prompts) >= 2, 300, "the second worker to resume the job")
                model.release.set()
                wait_until(lambda: gh.pulls(REPO), 300, "the pull request")
                done = time.monotonic()
                taken_up = _received_at(second.log()) - signalled_wall
        return {
            "exited_s": exited - signalled,
            "taken_up_s": taken_up,
            "resumed_s": model.prompts[1][0] - signalled,
            "pull_request_s": done - signalled,
            "pull_requests": float(len(gh.pulls(REPO))),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="server URL, without a database")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    url = _claim_db(args.redis)
    try:
        for how in (signal.SIGTERM, signal.SIGKILL):
            for i in range(args.runs):
                with tempfile.TemporaryDirectory(prefix="bench-recovery-") as tmp:
                    r = one_run(how, url, Path(tmp))
                print(
                    f"{how.name:8} run {i + 1}: worker exited after {r['exited_s']:5.1f} s, "
                    f"job taken up after {r['taken_up_s']:5.1f} s, resumed (model asked) after "
                    f"{r['resumed_s']:5.1f} s, "
                    f"pull request after {r['pull_request_s']:5.1f} s ({r['pull_requests']:.0f} in all)",
                    flush=True,
                )
    finally:
        redis.Redis.from_url(url).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
