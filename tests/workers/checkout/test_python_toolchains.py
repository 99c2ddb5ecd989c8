"""Python repositories without a `.github/codellama.yml`, set up and tested by the tool their files name
(Poetry, uv, PDM, Hatch, tox, nox), for real: the plan a job makes, its set-up in the sandbox with network,
its tests in the sandbox without. The failing test is reported failing, and passes once the code is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tests.workers.checkout.python_projects import (
    FIXED,
    PROJECTS,
    local_indexes,
    make_project,
    point_pip_at,
)
from workers.checkout.manifests import installed_tools
from workers.checkout.repo_config import RepoConfig
from workers.checkout.setup_commands import run_setup
from workers.checkout.test_plan import plan_for
from workers.runners.sandbox.bubblewrap import BubblewrapRunner
from workers.runners.sandbox.factory import sandbox_available
from workers.runners.sandbox.limits import limits_from_settings

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("tool", sorted(PROJECTS))
def test_the_tool_the_files_name_sets_up_and_tests_the_project_in_the_sandbox(
    tool: str, tmp_path: Path
) -> None:
    if tool not in installed_tools():
        pytest.skip(
            f"{tool} is not installed; `pip install -e '.[toolchains]'` (scripts/test.sh) installs it"
        )
    ok, why = sandbox_available()
    if not ok:
        pytest.skip(f"no sandbox here: {why}")
    job = tmp_path / "job"
    repo = job / "repo"
    make_project(tool, repo, tmp_path / "lock-home")

    plan = plan_for(repo, RepoConfig(), job / "venv")
    assert plan.origin.startswith("convention (") and PROJECTS[tool][2] in plan.origin, plan.origin
    settings = Settings()
    binds = point_pip_at(local_indexes(), job)
    runner = BubblewrapRunner(job, limits_from_settings(settings), extra_ro_binds=binds)
    run_setup(runner, plan, repo, settings)

    def run_tests() -> str:
        result = runner.run(plan.test, repo, timeout_s=settings.test_timeout_s, network=False)
        return f"exit {result.exit_code}\n{result.output}"

    failing = run_tests()
    assert not failing.startswith("exit 0") and "1 failed" in failing, failing
    assert "test_add" in failing and "assert -1 == 3" in failing, failing
    (repo / "calc.py").write_text(FIXED)
    passing = run_tests()
    assert passing.startswith("exit 0") and "1 passed" in passing, passing
