"""Spectrum-based localization: real pytest and unittest runs under the tracer, and the Ochiai arithmetic."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from workers.retrieval import locate
from workers.retrieval.coverage import Spectrum, collect_spectrum, ochiai, spectrum_signals
from workers.retrieval.index import RepoIndex
from workers.retrieval.rank import rank
from workers.retrieval.signals import Signal, SignalKind
from workers.runners.process import LocalRunner

PYTEST = "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider"


def test_ochiai_prefers_lines_only_failing_tests_run() -> None:
    spectrum = Spectrum(
        failed={"f1": {"a.py": {1, 2}}, "f2": {"a.py": {1, 2, 3}}},
        passed={"p1": {"a.py": {1}}, "p2": {"a.py": {1, 4}}},
    )
    scores = ochiai(spectrum)
    assert scores[("a.py", 2)] == (1.0, 2, 0)
    assert scores[("a.py", 3)][0] == pytest.approx(1 / math.sqrt(2 * 1))
    assert scores[("a.py", 1)][0] == pytest.approx(2 / math.sqrt(2 * 4))
    assert ("a.py", 4) not in scores  # never run by a failing test
    assert ochiai(Spectrum(failed={}, passed=spectrum.passed)) == {}


def test_pytest_run_records_each_test_and_leaves_nothing_behind(quix: Path) -> None:
    before = sorted(p.name for p in quix.iterdir())
    spectrum = collect_spectrum(quix, LocalRunner(), f"{PYTEST} python_testcases/test_lis.py", timeout_s=120)
    # The real log (ci-logs/generated-locally/quixbugs-pytest-buggy) shows lis: 8 passed, 4 failed.
    assert (len(spectrum.passed), len(spectrum.failed)) == (8, 4)
    assert all("python_programs/lis.py" in files for files in spectrum.failed.values())
    assert sorted(p.name for p in quix.iterdir()) == before


def test_unittest_run_records_outcomes(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text(
        textwrap.dedent(
            """\
            def add(a, b):
                return a + b


            def mean(values):
                if not values:
                    return 0.0
                return add(sum(values), 0) / (len(values) - 1)
            """
        )
    )
    (tmp_path / "test_calc.py").write_text(
        textwrap.dedent(
            """\
            import unittest
            from calc import add, mean


            class CalcTest(unittest.TestCase):
                def test_add(self):
                    self.assertEqual(add(2, 3), 5)

                def test_mean(self):
                    self.assertEqual(mean([2, 4]), 3)

                def test_mean_empty(self):
                    self.assertEqual(mean([]), 0.0)
            """
        )
    )
    spectrum = collect_spectrum(tmp_path, LocalRunner(), "python -m unittest -q test_calc", timeout_s=60)
    assert set(spectrum.failed) == {"test_calc.CalcTest.test_mean"}
    assert set(spectrum.passed) == {"test_calc.CalcTest.test_add", "test_calc.CalcTest.test_mean_empty"}
    index = RepoIndex.build(tmp_path)
    signals = sorted(spectrum_signals(index, spectrum), key=lambda s: -s.weight)
    assert (signals[0].path, signals[0].symbol) == ("calc.py", "mean")
    assert "line 8 run by 1/1 failing and 0 passing" in signals[0].reason


def test_locate_with_a_test_command_ranks_by_coverage(quix: Path) -> None:
    command = f"{PYTEST} python_testcases/test_lis.py python_testcases/test_quicksort.py"
    ranked = locate(quix, runner=LocalRunner(), test_cmd=command)
    top = next(r for r in ranked if r.symbol is not None)
    assert (top.path, top.symbol) == ("python_programs/lis.py", "lis")
    assert any(reason.startswith("coverage:") for reason in top.reasons)


def test_a_command_that_hides_the_tracer_gives_no_coverage(
    quix: Path, caplog: pytest.LogCaptureFixture
) -> None:
    command = f"PYTHONPATH=. {PYTEST} python_testcases/test_lis.py"
    spectrum = collect_spectrum(quix, LocalRunner(), command, timeout_s=120)
    assert spectrum.failed == {} and spectrum.passed == {}
    assert "PYTHONPATH=src:$PYTHONPATH" in caplog.text


def test_of_two_functions_with_failing_only_lines_the_one_passing_tests_never_ran_ranks_first(
    tmp_path: Path,
) -> None:
    # merge(key=...) dispatches to merge_by_key; only the failing test passes a key. Both have a line only it
    # ran, but passing tests ran the rest of merge and found it working.
    (tmp_path / "merging.py").write_text(
        textwrap.dedent(
            """\
            def merge(a, b, key=None):
                if key is None:
                    return sorted(a + b)
                return merge_by_key(a, b, key)


            def merge_by_key(a, b, key):
                return sorted(a + b, key=key, reverse=True)
            """
        )
    )
    spectrum = Spectrum(
        failed={"t_key": {"merging.py": {2, 4, 8}}},
        passed={"t_plain": {"merging.py": {2, 3}}, "t_empty": {"merging.py": {2, 3}}},
    )
    signals = {s.symbol: s for s in spectrum_signals(RepoIndex.build(tmp_path), spectrum)}
    assert signals["merge_by_key"].weight == pytest.approx(1.0)
    assert signals["merge"].weight < signals["merge_by_key"].weight
    assert "line 4 run by 1/1 failing and 0 passing" in signals["merge"].reason


def test_a_line_every_failing_test_ran_outweighs_the_hints_around_the_function_the_test_calls(
    tmp_path: Path,
) -> None:
    # As in cachetools: three of four failing tests call info() and one names it in its assertion; the fault
    # is in make_info(), which all four ran and no passing test did. The hints must not outvote that.
    (tmp_path / "stats.py").write_text(
        textwrap.dedent(
            """\
            def make_info(hits, misses):
                return (hits, misses)


            def info(cache):
                if cache:
                    return make_info(cache.hits, cache.misses)
                return None
            """
        )
    )
    index = RepoIndex.build(tmp_path)
    spectrum = Spectrum(
        failed={"t0": {"stats.py": {2}}, **{f"t{i}": {"stats.py": {2, 6, 7}} for i in (1, 2, 3)}},
        passed={"t_empty": {"stats.py": {6, 8}}},
    )
    hints = [
        Signal("stats.py", "info", SignalKind.NAME, 0.7, "name: t1 uses info"),
        Signal("stats.py", "info", SignalKind.ASSERTION, 0.5, "assertion: t1 calls info"),
    ]
    ranked = rank(index, spectrum_signals(index, spectrum) + hints)
    assert [r.symbol for r in ranked if r.symbol][:2] == ["make_info", "info"]


def test_a_line_some_failing_tests_never_ran_cannot_be_the_one_fault_behind_them_all(tmp_path: Path) -> None:
    # check() runs in all four failing tests and in two passing ones (Ochiai 0.82); fast_path() in three
    # failing tests only (0.87). One fault explains four failures only if it is in a line all four ran.
    (tmp_path / "guard.py").write_text(
        "def check(x):\n    return x > 0\n\n\ndef fast_path(x):\n    return x * 2\n"
    )
    spectrum = Spectrum(
        failed={f"t{i}": {"guard.py": {2} | ({6} if i else set())} for i in range(4)},
        passed={"p1": {"guard.py": {2}}, "p2": {"guard.py": {2}}},
    )
    scores = ochiai(spectrum)
    assert scores[("guard.py", 6)][0] > scores[("guard.py", 2)][0]
    signals = {s.symbol: s.weight for s in spectrum_signals(RepoIndex.build(tmp_path), spectrum)}
    assert signals["check"] > signals["fast_path"]
