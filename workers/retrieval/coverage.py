"""Spectrum-based fault localization: run the tests once under a line tracer, score lines by Ochiai.

A line run by every failing test and by few passing ones is suspicious; ranked per symbol, this finds the
changed function even when the failure is an assertion inside the test with no frame in the code.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shlex
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from workers.checkout.files import is_test_path
from workers.retrieval.index import RepoIndex
from workers.retrieval.signals import Signal, SignalKind
from workers.runners.process import CommandRunner

log = logging.getLogger(__name__)
TRACER = Path(__file__).with_name("tracer.py")
TRACER_PYTEST = Path(__file__).with_name("tracer_pytest.py")
DEFAULT_TIMEOUT_S = 600.0


@dataclass
class Spectrum:
    """Which repository lines each test ran, and whether it failed."""

    failed: dict[str, dict[str, set[int]]]  # test id -> path -> lines
    passed: dict[str, dict[str, set[int]]]


def collect_spectrum(
    repo_root: Path, runner: CommandRunner, test_cmd: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Spectrum:
    """Run `test_cmd` once with the tracer loaded; a failing run is expected, not an error.

    The tracer lives in a temporary directory inside the checkout so that a sandboxed runner, which sees
    only the checkout, can load it; the directory is removed afterwards.
    """
    root = repo_root.resolve()
    work = Path(tempfile.mkdtemp(prefix=".codellama-trace-", dir=root))
    try:
        shutil.copy(TRACER, work / "_clbtrace_core.py")
        shutil.copy(TRACER_PYTEST, work / "_clbtrace.py")
        (work / "sitecustomize.py").write_text("import _clbtrace_core\n_clbtrace_core.install()\n")
        out = work / "out"
        out.mkdir()
        env = {
            "CLB_TRACE_ROOT": str(root),
            "CLB_TRACE_OUT": str(out),
            "PYTHONPATH": str(work),
            "PYTEST_PLUGINS": "_clbtrace",
            # pytest's own assertion rewriting is fine; bytecode caches would only litter the checkout.
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        result = runner.run(f"export {prefix}; {test_cmd}", root, timeout_s=timeout_s, output_limit=200_000)
        if not any(out.iterdir()):
            # The tracer loads through PYTHONPATH; a command replacing it (PYTHONPATH=src pytest) hides it.
            log.warning(
                "no coverage recorded by %r (exit %s); if it sets PYTHONPATH, extend it instead: "
                "PYTHONPATH=src:$PYTHONPATH",
                test_cmd,
                result.exit_code,
            )
        return _read(out, root)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read(out: Path, root: Path) -> Spectrum:
    failed: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    passed: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    prefix = str(root) + os.sep
    for part in sorted(out.glob("*.json")):
        try:
            data = json.loads(part.read_text())
        except (OSError, ValueError):
            continue  # a process killed mid-write leaves a partial file; the others still count
        for test_id, entry in data.get("tests", {}).items():
            if entry.get("outcome") not in ("failed", "passed"):
                continue
            target = failed if entry["outcome"] == "failed" else passed
            for path, lines in entry.get("lines", {}).items():
                real = os.path.realpath(path)
                if real.startswith(prefix):
                    target[test_id][real[len(prefix) :].replace(os.sep, "/")].update(lines)
    return Spectrum(dict(failed), dict(passed))


def ochiai(spectrum: Spectrum) -> dict[tuple[str, int], tuple[float, int, int]]:
    """Per (path, line): (Ochiai score, failing tests that ran it, passing tests that ran it)."""
    total_failed = len(spectrum.failed)
    if total_failed == 0:
        return {}
    ef: dict[tuple[str, int], int] = defaultdict(int)
    ep: dict[tuple[str, int], int] = defaultdict(int)
    for counts, tests in ((ef, spectrum.failed), (ep, spectrum.passed)):
        for files in tests.values():
            for path, lines in files.items():
                for line in lines:
                    counts[(path, line)] += 1
    return {
        key: (failed / math.sqrt(total_failed * (failed + ep.get(key, 0))), failed, ep.get(key, 0))
        for key, failed in ef.items()
    }


def coverage_signals(
    index: RepoIndex, runner: CommandRunner, test_cmd: str, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[Signal]:
    """Run the tests and turn the most suspicious line of each symbol into a signal."""
    return spectrum_signals(index, collect_spectrum(index.root, runner, test_cmd, timeout_s=timeout_s))


# A function's score is its most suspicious line, nudged by how suspicious its lines are on the whole: of two
# functions with one line only failing tests run, the one whose other lines passing tests also run (a
# dispatcher, a constructor, a shared helper) was in part shown to work, so the other ranks first.
BEST_LINE_SHARE = 0.8


def spectrum_signals(index: RepoIndex, spectrum: Spectrum) -> list[Signal]:
    scores = ochiai(spectrum)
    total_failed = len(spectrum.failed)
    best: dict[tuple[str, str | None], tuple[float, int, int, int]] = {}
    line_scores: dict[tuple[str, str | None], list[float]] = defaultdict(list)
    for (path, line), (score, failed, passed) in sorted(scores.items()):
        if is_test_path(path):
            continue
        info = index.files.get(path)
        if info is None:
            continue
        chunk = info.symbol_at(line)
        key = (path, chunk.symbol if chunk else None)
        line_scores[key].append(score)
        if key not in best or score > best[key][0]:
            best[key] = (score, failed, passed, line)
    signals = []
    for (path, symbol), (score, failed, passed, line) in best.items():
        mean = sum(line_scores[(path, symbol)]) / len(line_scores[(path, symbol)])
        weight = BEST_LINE_SHARE * score + (1 - BEST_LINE_SHARE) * mean
        # One fault's line is run by every test it fails. A line only some failing tests ran explains only
        # theirs: Ochiai lets a line 8 of 11 failing tests ran and no passing one (0.85) beat the line all 11
        # ran and a passing test too; the share of failures explained weighs on it once more.
        weight *= failed / total_failed
        reason = (
            f"coverage: line {line} run by {failed}/{total_failed} failing and {passed} passing tests"
            f" (Ochiai {score:.2f}, {mean:.2f} over the {len(line_scores[(path, symbol)])} lines failing"
            " tests ran here)"
        )
        signals.append(Signal(path, symbol, SignalKind.COVERAGE, weight, reason))
    return signals
