"""Localization on QuixBugs (real programs, real tests, real failure output) copied into a temporary repo."""

from __future__ import annotations

from pathlib import Path

from workers.evidence.failures import Evidence, Failure, Frame
from workers.retrieval import locate


def _files(ranked: list) -> list[str]:
    return [r.path for r in ranked if r.symbol is None]


def test_innermost_repository_frame_ranks_first(quix: Path) -> None:
    # Frames as in ci-logs/generated-locally/quixbugs-pytest-buggy/gcd.log, including the CI checkout prefix.
    failure = Failure(
        "python_testcases/test_gcd.py::test_gcd[input_data1-13]",
        "RecursionError",
        "maximum recursion depth exceeded",
        [
            Frame("python_testcases/test_gcd.py", 15, "test_gcd"),
            Frame("/home/runner/work/QuixBugs/QuixBugs/python_programs/gcd.py", 5, "gcd", in_repo=False),
        ],
    )
    ranked = locate(quix, evidence=Evidence("pytest", [failure]))
    assert ranked[0].path == "python_programs/gcd.py"
    symbol = next(r for r in ranked if r.symbol is not None)
    assert (symbol.path, symbol.symbol, symbol.start_line) == ("python_programs/gcd.py", "gcd", 1)
    assert any(reason.startswith("frame: innermost frame") for reason in symbol.reasons)
    # The test file is named by the evidence, so it may appear, but below the code it calls.
    assert _files(ranked).index("python_programs/gcd.py") < _files(ranked).index(
        "python_testcases/test_gcd.py"
    )


def test_assertion_in_test_points_through_its_imports(quix: Path) -> None:
    # bitcount's failures in the real log are timeouts and assertions with no frame in bitcount.py.
    failure = Failure(
        "python_testcases/test_bitcount.py::test_bitcount[input_data0-3]",
        "AssertionError",
        "assert 2 == 3",
        [Frame("python_testcases/test_bitcount.py", 14, "test_bitcount")],
    )
    ranked = locate(quix, evidence=Evidence("pytest", [failure]))
    assert _files(ranked)[0] == "python_programs/bitcount.py"
    assert any(r.symbol == "bitcount" and any("uses bitcount" in x for x in r.reasons) for r in ranked)


def test_test_files_are_not_candidates_without_evidence(quix: Path) -> None:
    ranked = locate(quix, issue_text="levenshtein distance is wrong for empty strings")
    assert _files(ranked)[0] == "python_programs/levenshtein.py"
    assert not any(r.path.startswith("python_testcases/") for r in ranked)


def test_issue_path_and_traceback_point_at_files(quix: Path) -> None:
    issue = (
        "Sorting fails:\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/site-packages/quix/python_programs/kheapsort.py", line 9, in kheapsort\n'
        "TypeError: '<' not supported\n"
        "It may also affect python_programs/bucketsort.py.\n"
    )
    ranked = locate(quix, issue_text=issue)
    files = _files(ranked)
    assert files[0] == "python_programs/kheapsort.py"
    assert "python_programs/bucketsort.py" in files[:3]
    top_symbol = next(r for r in ranked if r.symbol is not None)
    assert top_symbol.symbol == "kheapsort"
    assert any(x.startswith("issue-traceback:") for x in top_symbol.reasons)
