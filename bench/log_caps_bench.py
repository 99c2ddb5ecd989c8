"""CI log caps (issue 8, point 10): time and peak memory of reading job logs through the GitHub stand-in over
HTTP, plain, gzip-encoded and zipped, including compression bombs that unpack to 600 MiB.

Run from the repository root:  python bench/log_caps_bench.py [--big-mib 100] [--bomb-mib 600]

Columns:
  wire MiB   bytes on the wire (what the stand-in serves)
  wall s     failed_job_logs() from the first request to the texts (or the refusal)
  peak MiB   the reader's peak Python allocations (tracemalloc, started after the logs were built)
  result     MiB of text kept, or the one-line refusal
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.errors import JobFailed  # noqa: E402
from core.github_app import GitHubApp  # noqa: E402
from tests.github_world import INSTALLATION_ID, REPO, World, github_world  # noqa: E402
from tests.log_bombs import MIB, gzip_bomb, zip_bomb  # noqa: E402
from workers.github.gateway import RepoGateway  # noqa: E402


def _text(mib: int) -> bytes:
    line = b"tests/test_module.py::test_case PASSED                                  [ 42%]\n"
    return line * (mib * MIB // len(line)) + b"FAILED tests/test_module.py::test_last - assert 1 == 2\n"


def _measure(world: World, gateway: RepoGateway, label: str, jobs: list[dict[str, object]]) -> None:
    # Bodies are bytes made before measuring: the stand-in (in this process) serves them without copies,
    # so the peak is the reader's.
    wire = sum(len(j["log_body"]) for j in jobs if isinstance(j["log_body"], bytes))
    run = world.gh.add_workflow_run(REPO, "main", world.base_sha, jobs=jobs)
    tracemalloc.start()
    started = time.monotonic()
    try:
        logs = gateway.failed_job_logs(run["id"])
        result = f"kept {sum(len(log.text.encode()) for log in logs) / MIB:.1f} MiB in {len(logs)} log(s)"
    except JobFailed as exc:
        result = f"refused: {exc}"
    wall = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"| {label} | {wire / MIB:.1f} | {wall:.1f} | {peak / MIB:.1f} | {result} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mib", type=int, default=100, help="size of the big plain log")
    parser.add_argument("--bomb-mib", type=int, default=600, help="what the bombs unpack to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, github_world(Path(tmp), {"README.md": "hi\n"}) as world:
        app = GitHubApp(world.settings("redis://127.0.0.1:1/0", "unused"))
        gateway = RepoGateway(app.client(app.installation_token(INSTALLATION_ID)), REPO)
        big = _text(args.big_mib)
        print("| log | wire MiB | wall s | peak MiB | result |\n|---|---|---|---|---|")
        _measure(world, gateway, f"plain, {args.big_mib} MiB", [{"name": "t", "log_body": big}])
        packed = gzip.compress(big, 6)
        _measure(
            world,
            gateway,
            f"gzip-encoded, {args.big_mib} MiB unpacked",
            [{"name": "t", "log_encoding": "gzip", "log_body": packed}],
        )
        del big, packed
        small = _text(5)
        _measure(
            world,
            gateway,
            "20 logs of 5 MiB (+5 more)",
            [{"name": f"j{n}", "log_body": small} for n in range(25)],
        )
        _measure(
            world,
            gateway,
            f"zip bomb, {args.bomb_mib} MiB unpacked",
            [{"name": "t", "log_encoding": "zip", "log_body": zip_bomb(args.bomb_mib)}],
        )
        _measure(
            world,
            gateway,
            f"gzip bomb, {args.bomb_mib} MiB unpacked",
            [{"name": "t", "log_encoding": "gzip", "log_body": gzip_bomb(args.bomb_mib)}],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
