"""Reproduce before fixing: not reproducible, flaky, and failures of the environment rather than the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bugs import quixbugs_ci_log
from tests.repair_repos import CALC, CALC_REPO, UNAPPLIABLE, repair_loop, task
from tests.stand_ins.tgi_server import TGIStandIn
from workers.evidence import parse_log
from workers.github import report_text
from workers.loop.failure_cause import environment_cause
from workers.loop.repair_loop import RepairStatus
from workers.loop.reproduce import ReproStatus, reproduce
from workers.runners.process import RunResult

FIXED_CALC = {**CALC_REPO, "calc.py": CALC.replace("a - b", "a + b")}


def _run(exit_code: int, output: str = "", timed_out: bool = False) -> RunResult:
    return RunResult("pytest", exit_code, output, 1.0, timed_out=timed_out)


def test_a_ci_failure_that_passes_here_is_run_once_more_before_giving_up() -> None:
    reruns = [_run(0, "3 passed")]
    found = reproduce(reruns.pop, _run(0, "3 passed"), require_failure=True, ci_log="FAILED t.py::test_a")
    assert found.status == ReproStatus.NOT_REPRODUCED and len(found.runs) == 2 and not reruns


def test_a_failure_on_the_rerun_is_reproduced_and_marked_flaky() -> None:
    second = _run(1, "FAILED t.py::test_a - assert 1 == 2\n1 failed")
    found = reproduce(lambda: second, _run(0), require_failure=True)
    assert found.status == ReproStatus.REPRODUCED and found.flaky and found.base is second


def test_passing_tests_without_a_claimed_failure_go_on_to_the_repair() -> None:
    assert (
        reproduce(lambda: pytest.fail("no rerun"), _run(0), require_failure=False).status
        == ReproStatus.PASSING
    )


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        (
            "##[error]The job running on runner GitHub Actions 2 has exceeded the maximum execution time",
            "runner",
        ),
        ("##[error]Process completed with exit code 137.", "memory"),
        ("ERROR: No matching distribution found for numpy==9.9", "dependencies"),
        ("E   socket.gaierror: [Errno -3] Temporary failure in name resolution", "network"),
        ("E   KeyError: 'OPENAI_API_KEY'", "secret"),
        ("E   ModuleNotFoundError: No module named 'yaml'", "no module named 'yaml'"),
    ],
)
def test_environment_failures_are_named(text: str, cause: str) -> None:
    found = environment_cause(f"collected 3 items\n{text}\n", frozenset({"calc"}))
    assert found is not None and cause in found


def test_code_failures_are_not_blamed_on_the_environment() -> None:
    assert environment_cause(quixbugs_ci_log("is_valid_parenthesization")) is None
    # A missing module the repository itself should define is the code's fault.
    assert environment_cause("ModuleNotFoundError: No module named 'calc'", frozenset({"calc"})) is None


@pytest.mark.slow
def test_a_ci_failure_that_passes_here_twice_is_reported_not_fixed(tmp_path: Path) -> None:
    with TGIStandIn([]) as tgi, repair_loop(tmp_path / "job", FIXED_CALC, tgi.url) as loop:
        ci_log = (
            "=========================== short test summary info ============================\n"
            "FAILED test_calc.py::test_add - assert -1 == 5\n"
            "========================= 1 failed, 1 passed in 0.02s =========================\n"
        )
        result = loop.run(task(require_failure=True, ci_log_text=ci_log, prior_evidence=parse_log(ci_log)))
        assert tgi.requests == []
    assert result.status == RepairStatus.NOT_REPRODUCED and not result.success and len(result.base_runs) == 2
    text = report_text.gave_up(result, command="pytest")
    assert "could not reproduce" in text and "2 time(s): pass" in text and "2 passed" in text
    assert "CI reported these tests failing: `test_calc.py::test_add`" in text


@pytest.mark.slow
def test_a_failure_that_shows_only_on_the_rerun_is_repaired_and_called_flaky(tmp_path: Path) -> None:
    flaky = (
        "import pathlib\n\n\ndef test_sometimes():\n"
        "    runs = pathlib.Path('.runs')\n"
        "    n = int(runs.read_text()) if runs.exists() else 0\n"
        "    runs.write_text(str(n + 1))\n"
        "    assert n % 2 == 0\n"
    )
    with (
        TGIStandIn([UNAPPLIABLE]) as tgi,
        repair_loop(tmp_path / "job", {**FIXED_CALC, "test_flaky.py": flaky}, tgi.url) as loop,
    ):
        result = loop.run(task(require_failure=True))
        assert len(tgi.requests) == 1
    assert result.status == RepairStatus.GAVE_UP and result.flaky and len(result.base_runs) == 2
    assert "may be flaky" in report_text.gave_up(result, command="pytest")
    assert result.base_runs[0].ok and not result.base_runs[1].ok


NETWORK_TEST = (
    "import socket\n\n\ndef test_reaches_the_service():\n"
    # 192.0.2.1 is TEST-NET-1: in the sandbox's empty network namespace nothing is routable anyway.
    "    socket.create_connection(('192.0.2.1', 80), timeout=5)\n"
)
SLOW_TEST = "import time\n\n\ndef test_slow():\n    time.sleep(120)\n"
DEPENDENCY_TEST = (
    "import not_installed_anywhere_pkg\n\n\ndef test_uses_it():\n    assert not_installed_anywhere_pkg\n"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("test_file", "cause"),
    [
        (NETWORK_TEST, "network"),
        (SLOW_TEST, "wall-clock time limit"),
        (DEPENDENCY_TEST, "no module named 'not_installed_anywhere_pkg'"),
    ],
)
def test_failures_of_the_environment_are_reported_as_such(tmp_path: Path, test_file: str, cause: str) -> None:
    files = {**FIXED_CALC, "test_env.py": test_file}
    with TGIStandIn([]) as tgi, repair_loop(tmp_path / "job", files, tgi.url, test_timeout_s=4) as loop:
        result = loop.run(task(require_failure=True))
        assert tgi.requests == []
    assert result.status == RepairStatus.NOT_CODE and cause in result.cause, result.before.output[-2000:]
    assert "does not look like a bug in the code" in report_text.gave_up(result, command="pytest")
