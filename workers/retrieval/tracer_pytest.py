"""pytest hooks for the per-test tracer (see tracer.py); loaded by pytest through PYTEST_PLUGINS.

A module of its own because sitecustomize imports the tracer before pytest starts, and pytest refuses
(with a warning that `filterwarnings = error` turns fatal) a plugin module that was already imported.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import _clbtrace_core as core
import pytest


def _traced(item: Any) -> Generator[None, None, None]:
    core.start(item.nodeid)
    try:
        yield
    finally:
        core.stop(None)


# Setup, call and teardown are traced, but not the reporting between them: building a failure report
# calls __repr__ and friends of the repository's objects, which would look like code only failures run.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: Any) -> Generator[None, None, None]:
    yield from _traced(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: Any) -> Generator[None, None, None]:
    yield from _traced(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Generator[None, None, None]:
    yield from _traced(item)


def pytest_runtest_logreport(report: Any) -> None:
    if report.failed:
        core.set_outcome(report.nodeid, "failed")
    elif report.when == "call" and report.passed:
        core.set_outcome(report.nodeid, "passed")


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    core.dump()
