"""A Python repository's default plan, carried out for real inside the sandbox: venv, installs, pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import JobFailed
from core.settings import Settings
from tests.bugs import PARENS, quixbugs_repo
from workers.checkout.repo_config import RepoConfig
from workers.checkout.setup_commands import run_setup
from workers.checkout.test_plan import plan_for
from workers.runners.sandbox import make_runner

pytestmark = pytest.mark.slow


def _repo(job: Path, extra: dict[str, str]) -> Path:
    root = job / "repo"
    for rel, text in {**quixbugs_repo(PARENS), **extra}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_declared_dependencies_go_into_a_job_venv_and_the_tests_run_from_it(tmp_path: Path) -> None:
    # A requirements file that needs no download: the point is the venv, not PyPI.
    root = _repo(tmp_path, {"requirements.txt": "# nothing beyond the standard library\n"})
    settings = Settings(setup_network=False)
    plan = plan_for(root, RepoConfig(), tmp_path / "venv")
    runner = make_runner(settings, tmp_path)
    run_setup(runner, plan, root, settings)
    assert (tmp_path / "venv" / "bin" / "python").exists()
    result = runner.run(plan.test, root, timeout_s=120)
    assert result.exit_code == 1, result.output
    assert "1 failed, 2 passed" in result.output


def test_a_failing_setup_is_reported_as_the_environments_fault(tmp_path: Path) -> None:
    root = _repo(tmp_path, {})
    settings = Settings(setup_network=False)
    plan = plan_for(
        root, RepoConfig(setup=("pip download definitely-not-a-package-xyz",), test="pytest"), tmp_path / "v"
    )
    with pytest.raises(JobFailed, match=r"setup command .* exited with"):
        run_setup(make_runner(settings, tmp_path), plan, root, settings)
