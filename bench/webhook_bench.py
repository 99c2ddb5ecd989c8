"""Receiver throughput benchmark (issue 10): `codellama-bot serve` against a bare floor, in one run.

Run from the repository root, with Redis on 127.0.0.1:6379 and ../shared/corpora beside the checkout:
    python bench/webhook_bench.py [--deliveries 5000] [--seconds 10] [--rate 200] [--old-rev REV]

Starts the real receiver (`codellama-bot serve` from this tree, and with --old-rev also from an export of that
revision, for a before/after under the same load), with the GitHub stand-in's settings,
and bench/webhook_floor.py (Starlette + redis.asyncio: signature check, SET NX dedupe, LPUSH; nothing else),
each with a Redis database of its own. It builds N distinct signed `workflow_run` failures from GitHub's
example payload (distinct delivery id, run id and head commit each), then, per receiver, on a flushed
database:

- closed loop: wrk, 16 connections, one pass over the N deliveries (every request takes the full path: a
  fresh failure to verify, dedupe and queue); throughput = jobs queued / the time until the last one landed.
  Without wrk a Python closed-loop client does the pass, and the output says so;
- open loop: --rate requests a second for --seconds, each latency measured from the moment the request was
  due (a slow answer delays no later request's clock), fresh deliveries only.

After each phase every one of the N deliveries is sent once more ("sweep"), and then the queue must hold
exactly one job per distinct failure: N messages, each delivery once. No worker runs, so the queue holds
all. Prints both receivers side by side; exits 1 when a receiver loses or duplicates a job or answers
anything but 200/202.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.queue_depth import queue_keys  # noqa: E402
from bot.signature import sign  # noqa: E402
from tests.bugs import PARENS, quixbugs_repo  # noqa: E402
from tests.conftest import free_port, wait_until  # noqa: E402
from tests.github_world import INSTALLATION_ID, REPO, SECRET, World, github_world  # noqa: E402
from tests.payloads import workflow_run_failed  # noqa: E402
from tests.processes import child_env  # noqa: E402

CLAIM_KEY = "codellama-tests:claimed-by"  # the same claim the test sessions take (tests/conftest.py)
CONNECTIONS = 16
WRK_THREADS = 2
STALL_S = 10.0
# uvicorn closes a keep-alive connection idle for 5 s (its timeout_keep_alive); the open loop reuses one only
# below this.
KEEP_ALIVE_REUSE_S = 4.0
PASS_DEADLINE_S = 300.0


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    run_id: int
    raw: bytes  # the whole HTTP request, as sent


@dataclass
class Phase:
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    answers: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    jobs: int = 0
    distinct_jobs: int = 0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def build_deliveries(count: int, first_run_id: int) -> list[Delivery]:
    deliveries = []
    for i in range(count):
        run_id = first_run_id + i
        sha = f"{run_id:040x}"
        payload = workflow_run_failed(REPO, INSTALLATION_ID, run_id=run_id, branch="main", sha=sha)
        body = json.dumps(payload).encode()
        delivery_id = str(uuid.uuid4())
        head = (
            "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "User-Agent: GitHub-Hookshot/bench\r\nX-GitHub-Event: workflow_run\r\n"
            f"X-GitHub-Delivery: {delivery_id}\r\nX-Hub-Signature-256: {sign(SECRET, body)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        deliveries.append(Delivery(delivery_id, run_id, head.encode() + body))
    return deliveries


def claim_db(server: str, taken: Sequence[str] = ()) -> str:
    for db in range(1, 16):
        url = f"{server}/{db}"
        if url in taken:
            continue
        if redis.Redis.from_url(url).set(CLAIM_KEY, str(os.getpid()), nx=True, ex=3600):
            return url
    raise SystemExit("every Redis database 1-15 is claimed by a running test session")


def flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.set(CLAIM_KEY, str(os.getpid()), ex=3600)


# --- load --------------------------------------------------------------------------------------------


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> int:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return int(head[9:12])


async def _open_loop(port: int, raws: list[bytes], rate: float) -> tuple[list[float], Counter[int], float]:
    """Each request is due at start + i/rate; a free keep-alive connection takes it, or a new one. A
    connection idle for KEEP_ALIVE_REUSE_S or more is closed instead: uvicorn closes its end after 5 s,
    and a request written just as it does gets no answer (what a real client retries)."""
    loop = asyncio.get_running_loop()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
    latencies: list[float] = []
    answers: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    start = loop.time() + 0.2

    async def one(i: int, raw: bytes) -> None:
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        idle_s = 0.0
        while idle:
            reader, writer, since = idle.pop()
            if loop.time() - since < KEEP_ALIVE_REUSE_S:
                conn, idle_s = (reader, writer), loop.time() - since
                break
            writer.close()
        else:
            try:
                conn = await asyncio.open_connection("127.0.0.1", port)
            except OSError as exc:
                answers[0] += 1
                failures[type(exc).__name__] += 1
                return
        try:
            status = await _exchange(*conn, raw)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            answers[0] += 1
            failures[f"{type(exc).__name__} (connection idle {idle_s:.1f} s before)"] += 1
            conn[1].close()
            return
        latencies.append(loop.time() - due)
        answers[status] += 1
        idle.append((*conn, loop.time()))

    await asyncio.gather(*(one(i, raw) for i, raw in enumerate(raws)))
    elapsed = loop.time() - start
    for _, writer, _ in idle:
        writer.close()
    if failures:
        print(f"open loop on port {port}: no answer to {sum(failures.values())}: {dict(failures)}")
    return latencies, answers, elapsed


async def _closed_loop(
    port: int, raws: list[bytes], connections: int, seconds: float | None
) -> tuple[list[float], Counter[int], float]:
    """`connections` clients, each sending its next request when the last is answered: through `raws`
    once (seconds=None), or round and round for `seconds`."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    answers: Counter[int] = Counter()
    start = loop.time()
    position = 0

    async def client() -> None:
        nonlocal position
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                if seconds is None and position >= len(raws):
                    return
                if seconds is not None and loop.time() - start >= seconds:
                    return
                raw = raws[position % len(raws)]
                position += 1
                sent = loop.time()
                try:
                    status = await _exchange(reader, writer, raw)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    answers[0] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                latencies.append(loop.time() - sent)
                answers[status] += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return latencies, answers, loop.time() - start


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _phase(latencies: list[float], answers: Counter[int], elapsed: float, note: str = "") -> Phase:
    return Phase(
        requests=sum(answers.values()),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        answers=answers,
        errors=answers.get(0, 0),
        note=note,
    )


def write_wrk_slices(deliveries: list[Delivery], into: Path) -> Path:
    base = into / "deliveries"
    for slice_no in range(WRK_THREADS):
        with (into / f"deliveries.{slice_no}").open("wb") as out:
            for delivery in deliveries[slice_no::WRK_THREADS]:
                out.write(f"{len(delivery.raw)}\n".encode() + delivery.raw)
    return base


def wrk_closed_loop(receiver: Receiver, slices: Path, expected_jobs: int) -> Phase:
    """One pass over the deliveries: wrk runs until the queue holds every job, then SIGINT makes it report
    (its duration is then the time the pass took, give or take the 20 ms poll)."""
    script = ROOT / "bench" / "webhook_load.lua"
    argv = [
        "wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", "-d600s", "--timeout", "10s",
        "-s", str(script), f"http://127.0.0.1:{receiver.port}/webhook", "--", str(slices),
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    jobs, last_job_at = 0, started
    try:
        # Ends when the queue holds every job, when wrk stops (each thread stops once its slice is
        # answered), or when no new job came for STALL_S after the first (a thread whose count an
        # unanswered request threw off cycles on through redeliveries). The pass's time is until the last
        # job landed.
        while jobs < expected_jobs and proc.poll() is None and time.monotonic() - started < PASS_DEADLINE_S:
            if jobs and time.monotonic() - last_job_at > STALL_S:
                break
            time.sleep(0.02)
            now = receiver.queued()
            if now > jobs:
                jobs, last_job_at = now, time.monotonic()
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    line = next((x for x in stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result (exit {proc.returncode}): {stderr.strip()[-500:]}")
    r = json.loads(line.removeprefix("WRK_RESULT "))
    answers = Counter({202: r["answered_202"], 200: r["answered_200"], -1: r["answered_other"]})
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    return Phase(
        requests=jobs,  # throughput counts the pass's jobs, not wrk's requests (redeliveries at the end)
        seconds=last_job_at - started,
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        answers=+answers,
        errors=errors,
        note="wrk, one pass" if r["timeouts"] == 0 else f"wrk, {r['timeouts']} timed out",
    )


# --- the queue ---------------------------------------------------------------------------------------


def ours_jobs(url: str, queue: str) -> list[str]:
    """Task ids of the Celery messages waiting (kombu keeps one Redis list per queue and priority)."""
    client = redis.Redis.from_url(url)
    ids = []
    for key in client.scan_iter(match=f"{queue}*"):
        if client.type(key) == b"list":
            ids += [json.loads(m)["headers"]["id"] for m in client.lrange(key, 0, -1)]
    return ids


def floor_jobs(url: str, queue: str) -> list[str]:
    client = redis.Redis.from_url(url)
    return [json.loads(m)["delivery"] for m in client.lrange(queue, 0, -1)]


# --- the receivers -----------------------------------------------------------------------------------


@dataclass
class Receiver:
    name: str
    kind: str  # "bot" or "floor"
    port: int
    redis_url: str
    queue: str
    proc: subprocess.Popen[bytes]
    log: Path

    def queued(self) -> int:
        # Every priority's list: kombu keeps one per step, and CI repairs wait on theirs.
        client = redis.Redis.from_url(self.redis_url)
        return sum(int(client.llen(key)) for key in queue_keys(self.queue))

    def jobs(self) -> list[str]:
        return (ours_jobs if self.kind == "bot" else floor_jobs)(self.redis_url, self.queue)

    def expected(self, deliveries: list[Delivery]) -> set[str]:
        return {d.delivery_id for d in deliveries}


def start(argv: list[str], cwd: Path, env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_until(lambda: _up(port) or proc.poll() is not None, 60, f"{argv[1:4]} on port {port}")
    if proc.poll() is not None:
        raise SystemExit(f"{' '.join(argv[:4])} exited: {log.read_text(errors='replace')[-1500:]}")
    return proc


def _up(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def start_ours(name: str, tree: Path, world: World, redis_url: str, tmp: Path) -> Receiver:
    port, queue = free_port(), "bench-repairs"
    env = child_env(world.env(redis_url, queue))
    env["PYTHONPATH"] = str(tree)
    log = tmp / f"receiver-{port}.log"
    proc = start([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], tree, env, log, port)
    return Receiver(name, "bot", port, redis_url, queue, proc, log)


def export(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True, timeout=120)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def start_floor(redis_url: str, tmp: Path) -> Receiver:
    port, queue = free_port(), "floor-jobs"
    argv = [sys.executable, str(ROOT / "bench" / "webhook_floor.py"), str(port), redis_url, queue, SECRET]
    log = tmp / "floor.log"
    proc = start(argv, ROOT, child_env({}), log, port)
    return Receiver("floor", "floor", port, redis_url, queue, proc, log)


def measure(
    receiver: Receiver, deliveries: list[Delivery], warmup: list[Delivery], args: argparse.Namespace,
    slices: Path | None,
) -> dict[str, Phase]:  # fmt: skip
    phases: dict[str, Phase] = {}
    raws = [d.raw for d in deliveries]
    expected = receiver.expected(deliveries)
    for name in ("closed", "open"):
        flush(receiver.redis_url)
        asyncio.run(_closed_loop(receiver.port, [d.raw for d in warmup], CONNECTIONS, None))
        flush(receiver.redis_url)
        if name == "closed":
            if slices is not None:
                phase = wrk_closed_loop(receiver, slices, len(deliveries))
            else:
                phase = _phase(*asyncio.run(_closed_loop(receiver.port, raws, CONNECTIONS, None)),
                               note="Python client, one pass")  # fmt: skip
        else:
            count = min(len(raws), int(args.rate * args.seconds))
            phase = _phase(*asyncio.run(_open_loop(receiver.port, raws[:count], args.rate)))
        _, sweep, _ = asyncio.run(_closed_loop(receiver.port, raws, CONNECTIONS, None))
        phase.answers.update({f"sweep {k}": v for k, v in sweep.items()})  # type: ignore[misc]
        jobs = receiver.jobs()
        phase.jobs = len(jobs)
        phase.distinct_jobs = len(set(jobs) & expected)
        phases[name] = phase
    return phases


def report(results: dict[str, dict[str, Phase]], n: int, rate: float) -> int:
    names = list(results)
    print(f"{'':<34}" + "".join(f"{name:>22}" for name in names))

    def row(label: str, values: list[str]) -> None:
        print(f"{label:<34}" + "".join(f"{v:>22}" for v in values))

    closed = [results[x]["closed"] for x in names]
    opened = [results[x]["open"] for x in names]
    row(f"closed loop ({closed[0].note}), jobs/s", [f"{p.rate:,.0f}" for p in closed])
    row("  seconds until the last job", [f"{p.seconds:.1f}" for p in closed])
    row("  p50 / p99 ms", [f"{p.p50_ms:.1f} / {p.p99_ms:.1f}" for p in closed])
    row("  answers 202 / 200 / other", [_answers(p) for p in closed])
    row(f"open loop {rate:g} req/s, achieved", [f"{p.rate:,.0f}" for p in opened])
    row("  p50 / p99 ms", [f"{p.p50_ms:.1f} / {p.p99_ms:.1f}" for p in opened])
    row("  answers 202 / 200 / other", [_answers(p) for p in opened])
    failed = False
    for label, phases in (("closed", closed), ("open", opened)):
        row(f"jobs after {label} loop + sweep", [f"{p.jobs} ({p.distinct_jobs} distinct)" for p in phases])
        for name, p in zip(names, phases, strict=True):
            other = sum(v for k, v in p.answers.items() if k not in (200, 202, "sweep 200", "sweep 202"))
            if p.jobs != n or p.distinct_jobs != n or other or p.errors:
                print(f"FAIL {name} {label}: {p.jobs} jobs for {n} failures, {other} other answers, "
                      f"{p.errors} errors: {dict(p.answers)}")  # fmt: skip
                failed = True
    floor = results["floor"]
    for name in names[:-1]:
        ours = results[name]
        share = ours["closed"].rate / floor["closed"].rate if floor["closed"].rate else 0.0
        print(f"{name} / floor closed-loop throughput: {share:.0%} (goal >= 50%); "
              f"{name} p99 at {rate:g} req/s: {ours['open'].p99_ms:.1f} ms (goal < 10 ms)")  # fmt: skip
    return 1 if failed else 0


def _answers(p: Phase) -> str:
    other = sum(v for k, v in p.answers.items() if k not in (200, 202) and not str(k).startswith("sweep"))
    return f"{p.answers.get(202, 0)} / {p.answers.get(200, 0)} / {other + p.errors}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deliveries", type=int, default=5000, help="distinct signed failures (default 5000)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the open-loop phase")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop requests a second")
    parser.add_argument("--old-rev", help="also measure the receiver of this git revision (before/after)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="a Redis server (databases 1-15)")
    args = parser.parse_args()
    ours_url = claim_db(args.redis)
    floor_url = claim_db(args.redis, taken=[ours_url])
    old_url = claim_db(args.redis, taken=[ours_url, floor_url]) if args.old_rev else None
    deliveries = build_deliveries(args.deliveries, first_run_id=10_000_000)
    warmup = build_deliveries(200, first_run_id=90_000_000)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk not found: the closed loop runs on a Python client (slower: it may be the bottleneck)")
    results: dict[str, dict[str, Phase]] = {}
    receivers: list[Receiver] = []
    try:
        with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp_name:
            tmp = Path(tmp_name)
            slices = write_wrk_slices(deliveries, tmp) if wrk else None
            with github_world(tmp / "github", quixbugs_repo(PARENS)) as world:
                receivers = [start_ours("receiver", ROOT, world, ours_url, tmp), start_floor(floor_url, tmp)]
                if args.old_rev and old_url:
                    old = export(args.old_rev, tmp / "old")
                    receivers.insert(0, start_ours(args.old_rev, old, world, old_url, tmp))
                for receiver in receivers:
                    results[receiver.name] = measure(receiver, deliveries, warmup, args, slices)
                tracebacks = sum(
                    r.log.read_text(errors="replace").count("Traceback") for r in receivers if r.kind == "bot"
                )
                for receiver in receivers:
                    receiver.proc.terminate()
                    receiver.proc.wait(timeout=30)
    finally:
        for receiver in receivers:
            if receiver.proc.poll() is None:
                receiver.proc.kill()
        for url in (ours_url, floor_url, old_url):
            if url:
                redis.Redis.from_url(url).flushdb()
    load = os.getloadavg()[0]
    print(f"{args.deliveries} distinct signed workflow_run failures, {CONNECTIONS} connections, "
          f"open loop {args.seconds:g} s, {os.cpu_count()} CPUs, load average {load:.1f}")  # fmt: skip
    code = report(results, args.deliveries, args.rate)
    if tracebacks:
        print(f"FAIL the receivers logged {tracebacks} tracebacks")
        code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
