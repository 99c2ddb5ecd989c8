"""Per-test line coverage, recorded inside the repository's own test process (stdlib only).

coverage.py copies this file (as _clbtrace_core.py) and tracer_pytest.py (as _clbtrace.py) next to a
one-line sitecustomize.py, and runs the test command with that directory on PYTHONPATH and PYTEST_PLUGINS
naming the plugin, so it works for pytest, unittest and Django's runner without installing anything into
the repository's environment. It writes one JSON file per process:
{"tests": {test_id: {"outcome": "passed"|"failed", "lines": {abs_path: [line, ...]}}}}.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from types import FrameType
from typing import Any

_ROOT = os.path.realpath(os.environ.get("CLB_TRACE_ROOT", "")) + os.sep
_OUT = os.environ.get("CLB_TRACE_OUT", "")
_HERE = os.path.dirname(os.path.realpath(__file__)) + os.sep
_SKIP = (os.sep + "site-packages" + os.sep, os.sep + ".venv" + os.sep, os.sep + ".tox" + os.sep)

_PYTEST_INTERNALS = os.sep + "_pytest" + os.sep
_wanted: dict[str, bool] = {}
_tests: dict[str, dict[str, Any]] = {}
_current: dict[str, set[int]] | None = None
_current_id: str | None = None


def _is_wanted(filename: str) -> bool:
    wanted = _wanted.get(filename)
    if wanted is None:
        real = os.path.realpath(filename)
        wanted = real.startswith(_ROOT) and not real.startswith(_HERE) and not any(s in real for s in _SKIP)
        _wanted[filename] = wanted
    return wanted


def _trace(frame: FrameType, event: str, arg: object) -> Any:
    # Called on each new frame: trace its lines only when it is the repository's code and a test is running.
    if _current is None or not _is_wanted(frame.f_code.co_filename):
        return None
    caller = frame.f_back
    if (
        caller is not None
        and _PYTEST_INTERNALS in caller.f_code.co_filename
        and "saferepr" in caller.f_code.co_filename
    ):
        # pytest explaining a failed assert calls __repr__ of the operands: only failing tests do that,
        # which would make every __repr__ look guilty.
        return None
    lines = _current.setdefault(frame.f_code.co_filename, set())
    lines.add(frame.f_lineno)

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            lines.add(frame.f_lineno)
        return local

    return local


def start(test_id: str) -> None:
    global _current, _current_id
    _current, _current_id = {}, test_id
    sys.settrace(_trace)
    threading.settrace(_trace)


def stop(outcome: str | None) -> None:
    global _current, _current_id
    sys.settrace(None)
    threading.settrace(None)  # type: ignore[arg-type,unused-ignore]  # older typeshed lacks None
    if _current_id is not None and _current is not None:
        entry = _tests.setdefault(_current_id, {"outcome": outcome, "lines": {}})
        for path, lines in _current.items():
            entry["lines"].setdefault(path, set()).update(lines)
        if outcome == "failed" or entry["outcome"] is None:
            entry["outcome"] = outcome
    _current, _current_id = None, None


def set_outcome(test_id: str, outcome: str) -> None:
    entry = _tests.setdefault(test_id, {"outcome": None, "lines": {}})
    if entry["outcome"] != "failed":
        entry["outcome"] = outcome


def dump() -> None:
    if not _OUT or not _tests:
        return
    data = {
        "tests": {
            test_id: {"outcome": t["outcome"], "lines": {p: sorted(ls) for p, ls in t["lines"].items()}}
            for test_id, t in _tests.items()
        }
    }
    path = os.path.join(_OUT, f"{os.getpid()}.json")
    with open(path, "w") as out:
        json.dump(data, out)


def install() -> None:
    """Wrap unittest's TestCase.run (unittest and Django runners) and write the results at exit."""
    import unittest

    original = unittest.TestCase.run

    def run(self: unittest.TestCase, result: Any = None) -> Any:
        if _current_id is not None or result is None:  # pytest already tracks this test
            return original(self, result)
        before = len(result.failures) + len(result.errors) + len(getattr(result, "unexpectedSuccesses", []))
        start(self.id())
        try:
            return original(self, result)
        finally:
            after = (
                len(result.failures) + len(result.errors) + len(getattr(result, "unexpectedSuccesses", []))
            )
            stop("failed" if after > before else "passed")

    unittest.TestCase.run = run  # type: ignore[method-assign]
    atexit.register(dump)
