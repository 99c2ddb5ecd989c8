"""How much a repository's dependency cache saves its second job: the set-up of a Python repository (a fresh
virtualenv, then `pip install -r requirements.txt`) run twice in real sandboxes, each job in a new workspace,
both with that repository's cache (workers/runners/dependency_caches.py); then once for another repository,
whose cache starts empty.

    python bench/setup_cache_bench.py [--requirements "requests numpy"] [--repeat 3] [--mb-per-s 5]

The packages come from the machine's local index (/opt/pypi), served over HTTP on 127.0.0.1 by this script so
that pip treats it like PyPI; it counts the bytes each job downloads. Needs root and bubblewrap, like the
worker. Prints seconds and bytes; touches nothing outside a temporary directory."""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.settings import Settings  # noqa: E402
from workers.runners.dependency_caches import caches_for  # noqa: E402
from workers.runners.sandbox import make_runner, sandbox_available  # noqa: E402

INDEX = Path("/opt/pypi")


class _Counting(http.server.SimpleHTTPRequestHandler):
    served = 0
    bytes_per_s = 0.0  # 0: as fast as loopback goes; else a remote index's rate

    def copyfile(self, source: Any, outputfile: Any) -> None:
        while chunk := source.read(64 * 1024):
            outputfile.write(chunk)
            type(self).served += len(chunk)
            if self.bytes_per_s:
                time.sleep(len(chunk) / self.bytes_per_s)

    def end_headers(self) -> None:
        # What PyPI's file host sends for a distribution file (they never change), and what lets pip keep it.
        if self.path.startswith("/files/"):
            self.send_header("Cache-Control", "max-age=365000000, immutable, public")
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def serve_index(mb_per_s: float = 0.0) -> tuple[http.server.ThreadingHTTPServer, type[_Counting]]:
    handler = type("Handler", (_Counting,), {"served": 0, "bytes_per_s": mb_per_s * 1e6})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(INDEX))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def one_job(tmp: Path, name: str, repo: str, requirements: str, url: str) -> float:
    """The set-up of one job of `repo`, in its own workspace; its seconds."""
    workspace = tmp / "jobs" / name
    (workspace / "repo").mkdir(parents=True)
    (workspace / "repo" / "requirements.txt").write_text("\n".join(requirements.split()) + "\n")
    runner = make_runner(Settings(), workspace, caches=caches_for(tmp / "data", repo))
    venv = workspace / "venv"
    # PIP_CONFIG_FILE=/dev/null: the machine's pip.conf names directories the sandbox does not have.
    # --trusted-host: pip caches HTTP downloads only from HTTPS or trusted hosts, as it would PyPI's.
    commands = [
        f"{sys.executable} -m venv {venv}",
        f"PIP_CONFIG_FILE=/dev/null {venv}/bin/python -m pip install -q --index-url {url}/simple "
        "--trusted-host 127.0.0.1 "
        "-r requirements.txt",
    ]
    seconds = 0.0
    for command in commands:
        result = runner.run(command, workspace / "repo", timeout_s=600, network=True)
        if not result.ok:
            raise SystemExit(f"`{command}` failed ({result.exit_code}):\n{result.output[-2000:]}")
        seconds += result.duration_s
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirements", default="requests numpy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--mb-per-s", type=float, default=0.0, help="serve the index at this rate (0: unlimited)"
    )
    args = parser.parse_args()
    ok, reason = sandbox_available()
    if not ok:
        print(f"the sandbox cannot start: {reason}", file=sys.stderr)
        return 1
    server, handler = serve_index(args.mb_per_s)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    rows: dict[str, list[tuple[float, int]]] = {
        "first job of A": [],
        "second job of A": [],
        "first job of B": [],
    }
    try:
        for round_ in range(args.repeat):
            tmp = Path(tempfile.mkdtemp(prefix="codellama-cache-bench-"))
            try:
                for label, job, repo in (
                    ("first job of A", "a1", "octo/a"),
                    ("second job of A", "a2", "octo/a"),
                    ("first job of B", "b1", "octo/b"),
                ):
                    handler.served = 0
                    seconds = one_job(tmp, f"{job}-{round_}", repo, args.requirements, url)
                    rows[label].append((seconds, handler.served))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        server.shutdown()
    rate = f"{args.mb_per_s:g} MB/s" if args.mb_per_s else "loopback speed"
    print(f"set-up: venv + pip install {args.requirements}; index at {rate}; {args.repeat} round(s)")
    print(f"{'':18} {'median s':>9} {'min s':>7} {'MB from index':>14}")
    for label, values in rows.items():
        times = [s for s, _ in values]
        megabytes = statistics.median(b for _, b in values) / 1e6
        print(f"{label:18} {statistics.median(times):9.2f} {min(times):7.2f} {megabytes:14.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
