"""parse_log_file on logs past its bounds, built from real corpus logs (bounds shrunk to keep this fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPORA, FIXTURES
from workers.evidence import bounds, parse_log, parse_log_file

CORPUS = CORPORA / "ci-logs"
QUIXBUGS = CORPUS / "generated-locally" / "quixbugs-pytest-buggy"
SWEBENCH = CORPUS / "swebench-testbed-outputs-moatless"


@pytest.fixture
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "HEAD_CHARS", 50_000)
    monkeypatch.setattr(bounds, "MARKER_CHARS", 20_000)
    monkeypatch.setattr(bounds, "TAIL_CHARS", 30_000)
    monkeypatch.setattr(bounds, "TAIL_LINES", 400)
    monkeypatch.setattr(bounds, "CHUNK_CHARS", 16_384)


def test_a_log_within_bounds_is_read_whole() -> None:
    log = SWEBENCH / "verify/data/xarray_output_1.txt"
    evidence = parse_log_file(log)
    assert not evidence.truncated
    assert evidence.failures == parse_log(log.read_text()).failures


def test_long_log_keeps_head_failures_tail_summary_and_marker_lines(
    small_bounds: None, tmp_path: Path
) -> None:
    # Head: a real failing run. Middle: many real runs, far past the bounds. Tail: another real run.
    head = (QUIXBUGS / "gcd.log").read_text()
    middle = "".join(
        path.read_text() for path in sorted(QUIXBUGS.glob("[a-s]*.log")) if path.name != "gcd.log"
    )
    tail = (SWEBENCH / "testing/python/data/sphinx_output_2.txt").read_text()
    big = tmp_path / "big.log"
    big.write_text(head + middle * 3 + tail)
    assert big.stat().st_size > 20 * (50_000 + 20_000 + 30_000)
    evidence = parse_log_file(big)
    assert evidence.truncated
    ids = evidence.failing_test_ids
    # Failures from the head keep their frames; the tail run's failure and counts are there.
    gcd = next(
        f for f in evidence.failures if f.test_id == "python_testcases/test_gcd.py::test_gcd[input_data1-13]"
    )
    assert gcd.frames[-1].path == "python_programs/gcd.py"
    assert "tests/test_ext_napoleon_docstring.py::TestNumpyDocstring::test_token_type_invalid" in ids
    # From the dropped middle, short-summary lines survive as markers, so the tests are still named.
    assert "python_testcases/test_subsequences.py::test_subsequences[input_data11-expected11]" in ids
    # Nothing appears that no log listed as failing.
    listed = {
        line[7:].split(" - ", 1)[0] for line in big.read_text().splitlines() if line.startswith("FAILED ")
    }
    listed |= {"tests/test_ext_napoleon_docstring.py::TestNumpyDocstring::test_token_type_invalid"}
    assert set(ids) <= listed


def test_a_line_without_newlines_cannot_exhaust_memory(small_bounds: None, tmp_path: Path) -> None:
    log = tmp_path / "one-line.log"
    real = (QUIXBUGS / "gcd.log").read_text()
    # A progress bar that never printed a newline, between the head and a real run.
    log.write_text("x" * 60_000 + "\n" + "#" * 2_000_000 + "\n" + real)
    lines, truncated = bounds.read_bounded(log.open(encoding="utf-8", newline=""))
    assert truncated
    assert max(len(line) for line in lines) <= bounds.LINE_CHARS
    evidence = parse_log_file(log)
    assert len(evidence.failures) == 5


def test_actions_prefixes_are_cleaned_in_the_chunked_part(small_bounds: None, tmp_path: Path) -> None:
    actions = (FIXTURES / "logs" / "actions_quixbugs_pytest.log").read_text()
    filler = (QUIXBUGS / "to_base.log").read_text()
    stamped_filler = "".join(f"2026-02-28T19:08:30.0000000Z {line}\n" for line in filler.splitlines())
    log = tmp_path / "job.log"
    log.write_text(stamped_filler * 40 + actions)
    evidence = parse_log_file(log)
    assert evidence.truncated
    assert "python_testcases/test_pascal.py::test_pascal[input_data2-expected2]" in evidence.failing_test_ids
    assert evidence.summary_passed is not None and evidence.summary_passed >= 4


def test_parse_log_on_huge_text_keeps_to_the_same_bounds(small_bounds: None, tmp_path: Path) -> None:
    text = (QUIXBUGS / "gcd.log").read_text() + (QUIXBUGS / "mergesort.log").read_text()
    log = tmp_path / "run.log"
    log.write_text(text)
    from_text, from_file = parse_log(text), parse_log_file(log)
    assert from_text.truncated and from_file.truncated
    assert from_text.failures == from_file.failures
    assert len(from_text.failures) == 5 + 13
