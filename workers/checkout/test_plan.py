"""How to set up and test a repository: its own declaration, else what a Python project expects."""

from __future__ import annotations

import shlex
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from core.errors import JobFailed
from workers.checkout.repo_config import CONFIG_PATH, RepoConfig

DEPENDENCY_FILES = ("requirements.txt", "requirements-dev.txt", "requirements-test.txt")


@dataclass(frozen=True)
class TestPlan:
    setup: tuple[str, ...]
    test: str
    # Where the plan's virtualenv lives, when it needs one (outside the repository, inside the job dir).
    venv: Path | None = None
    # Where the commands came from (config, CI's workflow, or convention), for the report.
    origin: str = "convention"
    notes: tuple[str, ...] = ()


def plan_for(repo_root: Path, config: RepoConfig, venv_dir: Path, python: str = sys.executable) -> TestPlan:
    """Declared commands win; a Python repository gets pytest, with its declared dependencies installed."""
    if config.test:
        return TestPlan(setup=config.setup, test=config.test, origin=f"config: {CONFIG_PATH}")
    if not _looks_like_python(repo_root):
        raise JobFailed(
            f"no test command: declare `test:` (and `setup:` if needed) in {CONFIG_PATH}; "
            "without it only Python repositories are tested (with pytest)"
        )
    installs = _dependency_installs(repo_root)
    if not installs and not config.setup:
        return TestPlan(
            setup=(), test=f"{shlex.quote(python)} -m pytest -q -rfE --tb=short -p no:cacheprovider"
        )
    vpy = shlex.quote(str(venv_dir / "bin" / "python"))
    # --system-site-packages keeps pytest and the common tools without downloading them per job.
    make_venv = f"{shlex.quote(python)} -m venv --system-site-packages {shlex.quote(str(venv_dir))}"
    setup: tuple[str, ...] = (make_venv, *_lend_worker_packages(vpy))
    setup += config.setup + tuple(f"{vpy} -m pip install -q {args}" for args in installs)
    return TestPlan(
        setup=setup, test=f"{vpy} -m pytest -q -rfE --tb=short -p no:cacheprovider", venv=venv_dir
    )


def _lend_worker_packages(vpy: str) -> tuple[str, ...]:
    """--system-site-packages reaches the base interpreter's packages, not a virtualenv's: when the worker
    runs in one (scripts/run.sh's .venv), a .pth file lends the job's venv the worker's pytest, after its
    own packages."""
    if sys.prefix == sys.base_prefix:
        return ()
    purelib = sysconfig.get_paths()["purelib"]
    code = (
        "import pathlib, sysconfig; "
        f"pathlib.Path(sysconfig.get_paths()['purelib'], 'codellama-worker.pth').write_text({purelib!r})"
    )
    return (f"{vpy} -c {shlex.quote(code)}",)


def _looks_like_python(root: Path) -> bool:
    markers = ("pyproject.toml", "setup.py", "setup.cfg", *DEPENDENCY_FILES)
    if any((root / m).is_file() for m in markers):
        return True
    return any(root.glob("*.py")) or any(root.glob("*/*.py"))


def _dependency_installs(root: Path) -> list[str]:
    installs = [f"-r {name}" for name in DEPENDENCY_FILES if (root / name).is_file()]
    if (root / "setup.py").is_file() or _pyproject_is_installable(root / "pyproject.toml"):
        installs.append("-e .")
    return installs


def _pyproject_is_installable(path: Path) -> bool:
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8", errors="replace")
    # A pyproject.toml that only configures tools (ruff, pytest) declares no package to install.
    return "[project]" in text or "[tool.poetry]" in text
