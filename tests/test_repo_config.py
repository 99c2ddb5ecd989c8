"""`.github/codellama.yml` and the default test plan for Python repositories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.errors import JobFailed
from workers.repo_config import RepoConfig, load_repo_config
from workers.test_plan import plan_for


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_declared_commands_win(tmp_path: Path) -> None:
    _write(tmp_path, ".github/codellama.yml", "setup: make deps\ntest: make test\nprotected: ['docs/**']\n")
    config = load_repo_config(tmp_path)
    assert config == RepoConfig(setup=("make deps",), test="make test", protected=("docs/**",))
    plan = plan_for(tmp_path, config, tmp_path / "venv")
    assert plan.setup == ("make deps",) and plan.test == "make test"


def test_unknown_keys_and_bad_yaml_are_clear_errors(tmp_path: Path) -> None:
    _write(tmp_path, ".github/codellama.yml", "tests: pytest\n")
    with pytest.raises(JobFailed, match="unknown key `tests`"):
        load_repo_config(tmp_path)
    _write(tmp_path, ".github/codellama.yml", "test: [unclosed\n")
    with pytest.raises(JobFailed, match="not valid YAML"):
        load_repo_config(tmp_path)


def test_python_repository_without_dependencies_runs_pytest_directly(tmp_path: Path) -> None:
    _write(tmp_path, "bitcount.py", "def bitcount(n):\n    return bin(n).count('1')\n")
    plan = plan_for(tmp_path, RepoConfig(), tmp_path / "venv")
    assert plan.setup == ()
    assert plan.test.startswith(f"{sys.executable} -m pytest")


def test_declared_dependencies_are_installed_into_a_job_venv(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "six\n")
    _write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\nversion = '0'\n")
    plan = plan_for(tmp_path, RepoConfig(), tmp_path / "venv")
    assert plan.setup[0].endswith(f"-m venv --system-site-packages {tmp_path / 'venv'}")
    assert any("-r requirements.txt" in s for s in plan.setup)
    assert any("-e ." in s for s in plan.setup)
    assert plan.test.startswith(str(tmp_path / "venv" / "bin" / "python"))


def test_a_repository_that_is_not_python_must_declare_its_tests(tmp_path: Path) -> None:
    _write(tmp_path, "main.go", "package main\n")
    with pytest.raises(JobFailed, match="declare `test:`"):
        plan_for(tmp_path, RepoConfig(), tmp_path / "venv")
