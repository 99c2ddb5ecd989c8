"""A red workflow run is reproduced with CI's own command, read from the workflow file at that commit: real
redis-server, `codellama-bot serve` and `worker` processes, real git; only GitHub and the model stand in.

The repository is built so that only CI's exact command can go green: its unit tests read FOO and expect to
run from `svc/`, and a root-level integration test always fails. pytest at the root (the convention) would
collect that one and never pass, and the unit tests would fail without FOO=bar or outside `svc/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import payloads, processes
from tests.bugs import search_replace
from tests.conftest import free_port, wait_until
from tests.github_world import INSTALLATION_ID, REPO, github_world
from tests.scenes import Scene, bot_env
from tests.stand_ins.tgi_server import TGIStandIn
from workers.runners.dependency_caches import cache_dir_name

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORKFLOW = """\
name: CI
on: [push, pull_request]
env:
  UPLOAD_TOKEN: ${{ secrets.UPLOAD_TOKEN }}
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ruff check .
  tests:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ["3.11", "3.12"]
    defaults:
      run:
        working-directory: svc
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python }}
      - name: Install
        run: python -m pip install -r requirements.txt
      - name: Unit tests
        run: python -m pytest -q -p no:cacheprovider tests/unit
        env:
          FOO: bar
"""
FILES = {
    ".github/workflows/ci.yml": WORKFLOW,
    "svc/requirements.txt": "# nothing beyond the standard library\n",
    "svc/greeting.py": 'import os\n\n\ndef greeting():\n    return "hello " + os.environ["FOO"].upper()\n',
    "svc/tests/unit/test_greeting.py": (
        "from pathlib import Path\n\nfrom greeting import greeting\n\n\n"
        "def test_greets_foo_from_the_service_directory():\n"
        '    assert Path.cwd().name == "svc"\n'
        '    assert greeting() == "hello bar"\n'
    ),
    "tests/test_integration.py": 'def test_needs_a_database():\n    assert False, "needs the database"\n',
}
CI_LOG = """\
============================= test session starts ==============================
collected 1 item

tests/unit/test_greeting.py F                                            [100%]

=================================== FAILURES ===================================
__________________ test_greets_foo_from_the_service_directory __________________

    def test_greets_foo_from_the_service_directory():
        assert Path.cwd().name == "svc"
>       assert greeting() == "hello bar"
E       AssertionError: assert 'hello BAR' == 'hello bar'

tests/unit/test_greeting.py:8: AssertionError
=========================== short test summary info ============================
FAILED tests/unit/test_greeting.py::test_greets_foo_from_the_service_directory - AssertionError
============================== 1 failed in 0.02s ===============================
Error: Process completed with exit code 1.
"""
FIX = search_replace(
    "svc/greeting.py",
    '    return "hello " + os.environ["FOO"].upper()',
    '    return "hello " + os.environ["FOO"]',
    "The greeting upper-cased the name; the test expects it as given.",
)


@pytest.fixture
def scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    with github_world(tmp_path / "github", FILES) as world, TGIStandIn([FIX]) as tgi:
        env = bot_env(world, tgi, tmp_path, redis_url, queue_name, BOT_MAX_ITERATIONS="1", TGI_RETRIES="0")
        yield Scene(world, tgi, {**env, "GITHUB_CHECK_RUN_INTERVAL_S": "0"}, tmp_path, free_port(), None)


def test_a_red_run_is_reproduced_and_fixed_with_the_failed_steps_own_command(scene: Scene) -> None:
    gh, sha = scene.world.gh, scene.world.base_sha
    steps = [
        {"name": "Run actions/checkout@v4", "conclusion": "success"},
        {"name": "Run actions/setup-python@v5", "conclusion": "success"},
        {"name": "Install", "conclusion": "success"},
        {"name": "Unit tests", "conclusion": "failure"},
    ]
    run = gh.add_workflow_run(
        REPO,
        "main",
        sha,
        jobs=[
            {"name": "lint", "conclusion": "success", "log": "All checks passed!\n"},
            {"name": "tests (3.12)", "conclusion": "failure", "log": CI_LOG, "steps": steps},
        ],
    )
    payload = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=run["id"], branch="main", sha=sha)
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "worker.log") as worker,
    ):
        assert scene.deliver("workflow_run", payload, "e2e-ci-commands").status_code == 202
        pr = scene.pull_request()
        [check] = wait_until(
            lambda: [c for c in gh.check_runs(REPO, sha, "codellama-bot") if c["status"] == "completed"],
            30,
            "the job's check run to complete",
        )
    origin = "Commands from CI: .github/workflows/ci.yml, job `tests`, step `Unit tests`."
    assert origin in pr["body"], worker.log()
    assert "python -m pytest -q -p no:cacheprovider tests/unit" in pr["body"]
    assert "CI sets up python 3.12" in pr["body"]  # the failed job's matrix value
    assert "UPLOAD_TOKEN" in pr["body"] and "secret" in pr["body"]  # left out, and said so
    assert check["conclusion"] == "success" and origin in check["output"]["summary"]
    # The one model answer made CI's command pass: it ran in svc/ with FOO=bar, and not the root's tests.
    assert len(scene.tgi.prompts()) == 1
    assert "hello BAR" in scene.tgi.prompts()[0]
    # CI's `pip install` ran with the repository's own dependency cache, kept after the job.
    caches = scene.tmp / "work" / "data" / "caches"
    assert [p.name for p in caches.iterdir()] == [cache_dir_name(REPO)]
    assert (caches / cache_dir_name(REPO) / "pip").is_dir()
