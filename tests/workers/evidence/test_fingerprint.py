"""A failure's fingerprint stays the same when the same bug fails again, and changes when another does."""

from __future__ import annotations

from workers.evidence.failures import BUILD, Evidence, Failure, Frame
from workers.evidence.fingerprint import failure_fingerprint


def _evidence(*failures: Failure) -> Evidence:
    return Evidence(runner="pytest", failures=list(failures))


def _failure(
    test: str = "tests/test_x.py::test_a", error: str = "AssertionError", line: int = 10, **kw
) -> Failure:  # type: ignore[no-untyped-def]
    frames = [
        Frame("tests/test_x.py", 3, "test_a"),
        Frame("pkg/x.py", line, "parse"),
        Frame("/usr/lib/python3.11/json/decoder.py", 337, "decode", in_repo=False),
    ]
    return Failure(
        test, error, message=kw.get("message", "assert 1 == 2"), frames=frames, **kw.get("extra", {})
    )


def test_the_same_bug_on_a_later_commit_has_the_same_fingerprint() -> None:
    first = failure_fingerprint(_evidence(_failure(), _failure("tests/test_x.py::test_b")))
    # Lines moved by an unrelated edit, a different message (addresses, timings), another order.
    later = failure_fingerprint(
        _evidence(
            _failure("tests/test_x.py::test_b", line=14), _failure(line=14, message="assert 0x7f1 == 2")
        )
    )
    assert first is not None and first == later


def test_another_test_error_function_or_kind_is_another_failure() -> None:
    base = failure_fingerprint(_evidence(_failure()))
    others = [
        _failure("tests/test_x.py::test_c"),
        _failure(error="KeyError"),
        _failure(extra={"kind": BUILD}),
        Failure("tests/test_x.py::test_a", "AssertionError", frames=[Frame("pkg/y.py", 10, "parse")]),
        Failure("tests/test_x.py::test_a", "AssertionError", frames=[Frame("pkg/x.py", 10, "render")]),
    ]
    prints = {failure_fingerprint(_evidence(f)) for f in others}
    assert base not in prints and len(prints) == len(others)


def test_no_failure_means_no_fingerprint() -> None:
    assert failure_fingerprint(None) is None
    assert failure_fingerprint(_evidence()) is None
