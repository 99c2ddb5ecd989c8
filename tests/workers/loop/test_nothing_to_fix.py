"""Nothing to fix, nothing spent: a test command that cannot start, or tests that already pass, end the run
before the first model call. The real `fix` command and real jobs, against the TGI and GitHub stand-ins;
`tgi.requests` records every generation request, so "0 model calls" is counted, not assumed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from core.jobs import RepairRequest
from tests.bugs import PARENS, PARENS_PATH, PARENS_RIGHT, quixbugs_repo
from tests.checkouts import commit_files, parens_checkout, run_fix
from tests.github_world import INSTALLATION_ID, REPO, World, github_world, issue_request
from tests.stand_ins.tgi_server import TGIStandIn
from workers.github.job import run_github_job
from workers.loop.reproduce import cannot_run
from workers.runners.process import RunResult

pytestmark = pytest.mark.slow

PYTEST = "python -m pytest -q -p no:cacheprovider"
FIXED = quixbugs_repo(PARENS)
FIXED[PARENS_PATH] = FIXED[PARENS_PATH].replace("    return True", "    return depth == 0")


# Four candidates a round: a run that reaches the model asks it four times, so "0 calls" is not luck.
KNOBS = {"CANDIDATES": "4", "BOT_MAX_ITERATIONS": "4", "TGI_RETRIES": "0"}


def _fix(path: Path, tgi_url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_fix(path, *args, tgi_url=tgi_url, workdir=tmp / "work", knobs=KNOBS)


def test_tests_that_already_pass_end_fix_with_nothing_to_fix_and_no_model_call(tmp_path: Path) -> None:
    repo = commit_files(tmp_path / "checkout", FIXED)
    with TGIStandIn([PARENS_RIGHT] * 16) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--test", PYTEST)
        calls = len(tgi.requests)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == f"codellama-bot: the tests pass; nothing to fix (`{PYTEST}` exits 0).\n"
    assert calls == 0
    assert [h.name for h in repo.heads] == ["main"]  # no fix branch


def test_a_test_command_that_is_true_is_nothing_to_fix(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    with TGIStandIn([PARENS_RIGHT] * 16) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--test", "true")
        calls = len(tgi.requests)
    assert (done.returncode, calls) == (0, 0), done.stderr[-2000:]
    assert "nothing to fix (`true` exits 0)" in done.stdout


@pytest.mark.parametrize(
    ("command", "named"),
    [
        ("no-such-cmd --all", "`no-such-cmd` was not found (exit 127)"),
        ("./run-tests.sh", "`./run-tests.sh` is not executable (exit 126)"),
        ("python -m no_such_test_runner -q", "the Python module `no_such_test_runner` is not installed"),
    ],
)
def test_a_test_command_that_cannot_run_is_one_line_naming_it_before_any_model_call(
    tmp_path: Path, command: str, named: str
) -> None:
    # run-tests.sh exists but is not executable: exit 126, not 127.
    commit_files(tmp_path / "checkout", {**quixbugs_repo(PARENS), "run-tests.sh": "#!/bin/sh\nexit 0\n"})
    with TGIStandIn([PARENS_RIGHT] * 16) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--test", command)
        calls = len(tgi.requests)
    assert (done.returncode, calls) == (2, 0), done.stderr[-2000:]
    [line] = [ln for ln in done.stderr.splitlines() if ln.startswith("codellama-bot:")]
    assert f"the test command `{command}` cannot run: {named}" in line
    assert "Traceback" not in done.stderr


def test_failing_tests_still_go_to_the_model(tmp_path: Path) -> None:
    """The control: the same command on the buggy checkout does reach the model, and is fixed."""
    parens_checkout(tmp_path / "checkout")
    with TGIStandIn([PARENS_RIGHT] * 4) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--test", PYTEST)
        calls = len(tgi.requests)
    assert done.returncode == 0 and "+    return depth == 0" in done.stdout, done.stderr[-2000:]
    assert calls == 4  # one round of four candidates


@pytest.mark.parametrize(
    ("run", "why"),
    [
        (RunResult("x", 127, "bash: line 1: x: command not found\n", 0.1), "`x` was not found"),
        (RunResult("make check", 127, "/bin/sh: 1: make: not found\n", 0.1), "`make` was not found"),
        (RunResult("./t", 126, "sh: 1: ./t: Permission denied\n", 0.1), "`./t` is not executable"),
        (
            RunResult("python3.11 -m tox", 1, "/usr/bin/python3.11: No module named tox\n", 0.1),
            "module `tox` is not installed",
        ),
        (
            RunResult(
                "PYTHONPATH=src .venv/bin/python -m pytest",
                1,
                "/w/.venv/bin/python: No module named pytest\n",
                0.1,
            ),
            "module `pytest` is not installed",
        ),
    ],
)
def test_the_shells_words_for_a_command_that_cannot_start_are_read(run: RunResult, why: str) -> None:
    found = cannot_run(run)
    assert found is not None and why in found


@pytest.mark.parametrize(
    "run",
    [
        RunResult("pytest", 1, "FAILED t.py::test_a - assert 1 == 2\n", 0.1),
        # A test that imports a missing module is a failing test (or a dependency problem), not a missing
        # test runner: only `python -m X` without X counts.
        RunResult("python -m pytest", 1, "E   ModuleNotFoundError: No module named 'yaml'\n", 0.1),
        RunResult("python -m pytest", 2, "/usr/bin/python3: No module named yaml\n", 0.1),
        RunResult("sleep 99", 127, "", 5.0, timed_out=True),
    ],
)
def test_commands_that_ran_are_not_called_unrunnable(run: RunResult) -> None:
    assert cannot_run(run) is None


@pytest.fixture
def fixed_world(tmp_path: Path):  # type: ignore[no-untyped-def]
    files = {**FIXED, ".github/codellama.yml": "test: no-such-runner -q\n"}
    with github_world(tmp_path / "github", files) as w:
        yield w


def _ci_request(world: World, run_id: int) -> RepairRequest:
    return RepairRequest(
        kind="ci",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id=f"ci-{run_id}",
        head_branch="main",
        head_sha=world.base_sha,
        workflow_run_id=run_id,
        pull_numbers=[world.gh.add_pull(REPO, "main")],
    )


def test_a_ci_job_whose_tests_pass_here_is_not_reproduced_and_asks_nothing(
    tmp_path: Path, redis_url: str
) -> None:
    with github_world(tmp_path / "github", FIXED) as world:
        jobs = [{"name": "test", "log": "FAILED test_x.py::test_a\n1 failed"}]
        run = world.gh.add_workflow_run(REPO, "main", world.base_sha, jobs=jobs)
        request = _ci_request(world, run["id"])
        with TGIStandIn([PARENS_RIGHT] * 16) as tgi:
            settings = world.settings(redis_url, "unused", tgi_url=tgi.url, bot_workdir=tmp_path / "work")
            outcome = run_github_job(settings, request)
            calls = len(tgi.requests)
        [comment] = world.gh.issue_comments(REPO, request.pull_numbers[0])
    assert (outcome.status, calls) == ("not_reproduced", 0)
    assert "could not reproduce" in comment["body"] and "did not change anything" in comment["body"]


def test_a_job_whose_test_command_cannot_run_says_so_and_asks_nothing(
    fixed_world: World, tmp_path: Path, redis_url: str
) -> None:
    world = fixed_world
    number = world.gh.add_issue(REPO, "`((` counts as balanced", "")
    request = issue_request(number)
    with TGIStandIn([PARENS_RIGHT] * 16) as tgi:
        settings = world.settings(redis_url, "unused", tgi_url=tgi.url, bot_workdir=tmp_path / "work")
        outcome = run_github_job(settings, request)
        calls = len(tgi.requests)
    assert (outcome.status, calls) == ("failed", 0)
    [comment] = world.gh.issue_comments(REPO, number)
    said = "the test command `no-such-runner -q` cannot run: `no-such-runner` was not found"
    assert said in comment["body"]
