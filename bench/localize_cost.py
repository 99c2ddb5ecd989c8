"""Time and peak memory of one localization on django, the largest repository in SWE-bench Lite.

    python bench/localize_cost.py [--runs 3] [--version 4.2]

Each run is a fresh process (so the index is built from nothing and ru_maxrss is that run's own peak):
locate() on a Django release with a real SWE-bench Lite issue as the query, then build_context() for a
13k-token budget. Prints wall time for each phase and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sources import fetch_release

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "swebench-lite" / "lite_test.jsonl"


def once(root: Path, issue: str) -> dict[str, float]:
    """One localization, measured inside this process."""
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_start = time.process_time()
    start = time.perf_counter()
    from inference.token_estimate import estimate_tokens
    from workers.retrieval import build_context, locate

    imported = time.perf_counter()
    ranked = locate(root, issue_text=issue, top=20)
    located = time.perf_counter()
    build_context(root, ranked, budget_tokens=13000, count_tokens=estimate_tokens)
    done = time.perf_counter()
    return {
        "import_s": imported - start,
        "locate_s": located - imported,
        "context_s": done - located,
        "total_s": done - start,
        # CPU time as well: on a shared machine wall time includes waiting for a core.
        "cpu_s": time.process_time() - cpu_start,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "before_mb": baseline_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--version", default="4.2")
    parser.add_argument("--once", nargs=2, metavar=("ROOT", "ISSUE_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        print(json.dumps(once(Path(args.once[0]), Path(args.once[1]).read_text())))
        return 0
    fetched = fetch_release("Django", f"=={args.version}.*")
    if fetched is None:
        print("could not download Django from PyPI")
        return 1
    root, archive = fetched
    tasks = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    task = next(t for t in tasks if t["repo"] == "django/django" and t["version"] == args.version)
    # Not beside the sources: a file there makes bench/sources.py take the release's directory for a flat
    # wheel, and every later benchmark would index Django under a wrong top directory.
    scratch = tempfile.TemporaryDirectory()
    issue_file = Path(scratch.name) / "issue.txt"
    issue_file.write_text(task["problem_statement"])
    files = sum(1 for _ in root.rglob("*.py"))
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    results = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, "--once", str(root), str(issue_file)],
            check=True, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"locate() on {archive} ({files} .py files), issue {task['instance_id']}, {args.runs} fresh runs")
    print(f"  load average at start: {load} on {os.cpu_count()} CPUs (wall time needs an idle machine)")
    for key, label in (
        ("import_s", "import workers.retrieval"), ("locate_s", "locate (index build + ranking)"),
        ("context_s", "build_context (13k tokens)"), ("total_s", "total (wall)"), ("cpu_s", "total (CPU)"),
    ):  # fmt: skip
        values = [r[key] for r in results]
        print(f"  {label:34} median {statistics.median(values):6.2f} s   max {max(values):6.2f} s")
    peak = [r["peak_mb"] for r in results]
    print(f"  {'peak RSS (ru_maxrss)':34} median {statistics.median(peak):6.0f} MB  max {max(peak):6.0f} MB")
    print(
        f"  {'RSS before importing':34} median {statistics.median(r['before_mb'] for r in results):6.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
