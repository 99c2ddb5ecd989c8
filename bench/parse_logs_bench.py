"""Parsing benchmark: failing tests found in every real log of ../shared/corpora/ci-logs versus what the log
itself reports, tests invented (must be 0), and time and peak memory on a synthetic 50 MB log.

Run from the repository root:  python bench/parse_logs_bench.py [--corpus DIR] [--big-mb 50]

Columns:
  found     failures parse_log_file returned (tests, plus collection/build/crash failures)
  reported  the runner's own count: its summary line (failed + errors); for go test, which prints no
            count, the failures + errors of go-junit-report's golden XML report for the same output; for
            the HumanEvalFix tracebacks, 1 when _summary.json records a non-zero exit with an exception;
            "-" when the log has none (cut logs, crashes before the runner reported)
  invented  tests returned that no line of the log shows failing (a line naming the test beside a
            failure mark)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.evidence import TEST, Evidence, parse_log_file  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "ci-logs"
_ANSI = re.compile(r"\x1b\[[0-9;]*m|(?<![\w\[])\[[0-9;]*m")
_FAIL_MARK = re.compile(r"FAIL|ERROR|Error|✕|×|●|<<<|panicked|stdout ----|_{3,} |\s[FE]\s*$|^\s*E\s")


def logs_in(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".txt", ".log"))


def reported_count(path: Path, evidence: Evidence, humaneval: dict[str, dict]) -> tuple[int | None, str]:
    if "go-test-go-junit-report" in path.parts:
        report = path.with_name(path.name[:3] + "-report.xml")
        if report.exists():
            head = re.search(r"<testsuites[^>]*>", report.read_text())
            numbers = re.findall(r'(?:failures|errors)="(\d+)"', head.group(0) if head else "")
            return sum(int(n) for n in numbers), "junit-xml"
        return None, "-"
    if path.parent.name == "humanevalfix-python-tracebacks":
        record = humaneval.get(path.stem.replace("_", "/"))
        if record is None:
            return None, "-"
        failed = record["exit"] not in (0, "timeout") and bool(record.get("last_line"))
        return (1 if failed else 0), "summary.json"
    if evidence.summary_failed is None and evidence.summary_errors is None:
        return None, "-"
    return (evidence.summary_failed or 0) + (evidence.summary_errors or 0), "summary"


def invented(evidence: Evidence, text: str) -> list[str]:
    """Tests whose leaf name appears on no line of the log that also carries a failure mark."""
    marked = [line for line in _ANSI.sub("", text).splitlines() if _FAIL_MARK.search(line)]
    bad = []
    for failure in evidence.failures:
        if failure.kind != TEST:
            continue
        leaf = _leaf(failure.test_id)
        if not any(leaf in line for line in marked):
            bad.append(failure.test_id)
    return bad


def why_different(text: str, evidence: Evidence, reported: int | None) -> str:
    """A reason, read from the log, when the count found is not the count the runner reported."""
    found = len(evidence.failures)
    if reported is None or reported == found:
        return ""
    blocks = len(re.findall(r"^(?:FAIL|ERROR): ", text, re.M))
    if evidence.runner == "unittest" and blocks == reported:
        return f"differs: {blocks} failing subtests and tests in {found} test methods"
    if found < reported:
        return "differs: fewer found than the runner counted"
    return "differs"


def _leaf(test_id: str) -> str:
    for separator in ("::", " > "):
        if separator in test_id:
            return test_id.rsplit(separator, 1)[1]
    base = test_id.split("[", 1)[0]
    return base.rsplit(".", 1)[-1] if "." in base else test_id


def accuracy(corpus: Path) -> int:
    humaneval_file = corpus / "generated-locally" / "humanevalfix-python-tracebacks" / "_summary.json"
    humaneval = {}
    if humaneval_file.exists():
        humaneval = {r["task_id"]: r for r in json.loads(humaneval_file.read_text())}
    rows = []
    totals = {
        "logs": 0,
        "with_reference": 0,
        "exact": 0,
        "found": 0,
        "found_ref": 0,
        "reported": 0,
        "invented": 0,
    }
    for path in logs_in(corpus):
        evidence = parse_log_file(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        reported, source = reported_count(path, evidence, humaneval)
        made_up = invented(evidence, text)
        totals["logs"] += 1
        totals["found"] += len(evidence.failures)
        totals["invented"] += len(made_up)
        if reported is not None:
            totals["with_reference"] += 1
            totals["reported"] += reported
            totals["found_ref"] += len(evidence.failures)
            totals["exact"] += int(reported == len(evidence.failures))
        note = why_different(text, evidence, reported)
        rows.append(
            (
                str(path.relative_to(corpus)),
                evidence.runner,
                len(evidence.failures),
                reported,
                source,
                made_up,
                note,
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'log':<{width}}  {'runner':<14} {'found':>5} {'reported':>8}  {'source':<12} invented")
    for name, runner, found, reported, source, made_up, note in rows:
        shown = "-" if reported is None else str(reported)
        flag = f"  ({note})" if note else ""
        print(f"{name:<{width}}  {runner:<14} {found:>5} {shown:>8}  {source:<12} {len(made_up)}{flag}")
        for test_id in made_up:
            print(f"    invented: {test_id}")
    print()
    print(
        f"logs: {totals['logs']}, with a reference count: {totals['with_reference']}, "
        f"found == reported: {totals['exact']}/{totals['with_reference']}"
    )
    print(
        f"in logs with a reference: failures found {totals['found_ref']}, reported {totals['reported']}; "
        f"in all logs: found {totals['found']}"
    )
    for source in ("summary", "junit-xml", "summary.json"):
        picked = [r for r in rows if r[4] == source]
        exact = sum(1 for r in picked if r[2] == r[3])
        found, reported = sum(r[2] for r in picked), sum(r[3] or 0 for r in picked)
        print(
            f"  reference {source:<12}: {len(picked):>3} logs, found == reported in {exact:>3}; "
            f"found {found}, reported {reported}"
        )
    print(f"invented tests: {totals['invented']}")
    return totals["invented"]


def speed(corpus: Path, megabytes: int) -> None:
    sources = [p.read_bytes() for p in logs_in(corpus)]
    target = megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.log"
        size = 0
        with big.open("wb") as out:
            while size < target:
                for data in sources:
                    out.write(data if data.endswith(b"\n") else data + b"\n")
                    size += len(data) + 1
                    if size >= target:
                        break
        started, cpu_started = time.perf_counter(), time.process_time()
        evidence = parse_log_file(big)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        tracemalloc.start()
        parse_log_file(big)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"synthetic log: {size / 1024 / 1024:.1f} MB of concatenated corpus logs")
    # Peak memory is measured on a second run under tracemalloc (which slows it), not on the timed one.
    print(
        f"parse_log_file: {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
        f"peak traced memory {peak / 1024 / 1024:.1f} MB, "
        f"{len(evidence.failures)} failures, truncated={evidence.truncated}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--big-mb", type=int, default=50, help="size of the synthetic log for timing (0: skip)"
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (pass --corpus DIR)", file=sys.stderr)
        return 2
    made_up = accuracy(args.corpus)
    if args.big_mb > 0:
        print()
        speed(args.corpus, args.big_mb)
    return 1 if made_up else 0


if __name__ == "__main__":
    raise SystemExit(main())
