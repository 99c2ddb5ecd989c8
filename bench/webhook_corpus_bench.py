"""Malformed-delivery benchmark: how a receiver answers the corpus of tests/malformed_deliveries.py.

Run from the repository root, with Redis on 127.0.0.1:6379 and ../shared/corpora:
    python bench/webhook_corpus_bench.py [--old-rev main] [--redis redis://127.0.0.1:6379]

Starts `codellama-bot serve` twice as a real process, from an export of --old-rev (git archive) and from this
tree, each against the GitHub stand-in and its own Redis database and Celery queue, and POSTs every delivery
of the corpus over HTTP. Prints, per receiver, the answers by status class, the jobs that reached the queue,
and the tracebacks in its log. A delivery with no answer (connection broken or 30 s timeout) counts as "none".
Exits 1 if this tree answers any delivery with a 5xx or queues a job.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections import Counter
from io import BytesIO
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import malformed_deliveries as md  # noqa: E402
from tests.bugs import PARENS, quixbugs_repo  # noqa: E402
from tests.conftest import free_port, wait_until  # noqa: E402
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, SECRET, World, github_world  # noqa: E402
from tests.processes import child_env  # noqa: E402
from tests.raw_delivery import queued_jobs, send  # noqa: E402

LIMIT = 1024 * 1024
CLAIM_KEY = "codellama-tests:claimed-by"  # the same claim the test sessions take (tests/conftest.py)


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True, timeout=120)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def claim_db(server: str) -> str:
    for db in range(1, 16):
        client = redis.Redis.from_url(f"{server}/{db}")
        if client.set(CLAIM_KEY, str(os.getpid()), nx=True, ex=3600):
            return f"{server}/{db}"
    raise SystemExit("every Redis database 1-15 is claimed by a running test session")


def run(tree: Path, world: World, redis_url: str, log: Path) -> dict[str, object]:
    queue = f"bench-repairs-{uuid.uuid4().hex[:8]}"
    number = world.gh.add_issue(REPO, "Unbalanced parentheses pass", "`((` is accepted", user=MAINTAINER)
    comment = world.gh.add_issue_comment(REPO, number, "/codellama fix", user=MAINTAINER)
    bases = md.bases(
        REPO, INSTALLATION_ID, number=number, comment_id=comment["id"], login=MAINTAINER, sha=world.base_sha
    )
    cases = md.corpus(bases, SECRET, LIMIT)
    port = free_port()
    env = child_env(world.env(redis_url, queue, WEBHOOK_MAX_BODY_BYTES=str(LIMIT)))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until(lambda: _up(port) or proc.poll() is not None, 60, f"the receiver from {tree}")
            client = redis.Redis.from_url(redis_url)
            client.delete(*client.keys("codellama:*") or ["-"])
            started = time.monotonic()
            answers = [send("127.0.0.1", port, case) for case in cases]
            elapsed = time.monotonic() - started
            jobs = queued_jobs(client, queue)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    classes = Counter("none" if a.status == 0 else f"{a.status // 100}xx" for a in answers)
    fives = Counter(
        c.name.split(" ")[0] + " " + a.reason[:60]
        for c, a in zip(cases, answers, strict=True)
        if a.status >= 500
    )
    return {
        "deliveries": len(cases),
        **{k: classes.get(k, 0) for k in ("2xx", "4xx", "5xx", "none")},
        "jobs": jobs,
        "tracebacks": log.read_text(errors="replace").count("Traceback"),
        "seconds": round(elapsed, 1),
        "top_5xx": fives.most_common(3),
    }


def _up(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-rev", default="main", help="the older receiver to compare with (git revision)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="a Redis server (databases 1-15)")
    args = parser.parse_args()
    redis_url = claim_db(args.redis)
    results: dict[str, dict[str, object]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
            old = export(args.old_rev, Path(tmp) / "old")
            with github_world(Path(tmp) / "github", quixbugs_repo(PARENS)) as world:
                for label, tree in ((f"{args.old_rev} (old)", old), ("this tree", ROOT)):
                    results[label] = run(tree, world, redis_url, Path(tmp) / f"{label.split()[0]}.log")
    finally:
        redis.Redis.from_url(redis_url).flushdb()
    print(
        f"{'receiver':<14} {'deliveries':>10} {'2xx':>5} {'4xx':>5} {'5xx':>5} {'none':>5} {'jobs':>5} "
        f"{'tracebacks':>10} {'seconds':>8}"
    )
    for label, r in results.items():
        print(
            f"{label:<14} {r['deliveries']:>10} {r['2xx']:>5} {r['4xx']:>5} {r['5xx']:>5} {r['none']:>5} "
            f"{r['jobs']:>5} {r['tracebacks']:>10} {r['seconds']:>8}"
        )
    for label, r in results.items():
        if r["top_5xx"]:
            print(f"{label}: most common 5xx: {json.dumps(r['top_5xx'])}")
    mine = results["this tree"]
    return 1 if mine["5xx"] or mine["jobs"] else 0


if __name__ == "__main__":
    sys.exit(main())
