"""How to set up and test a repository: its own declaration, else the convention its files name."""

from __future__ import annotations

import shlex
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from workers.checkout.convention_plan import detect
from workers.checkout.manifests import interpreters, seen_in
from workers.checkout.repo_config import CONFIG_PATH, RepoConfig


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
    """Declared commands win; otherwise the repository's files name its set-up and tests (conventions.py)."""
    if config.test:
        return TestPlan(setup=config.setup, test=config.test, origin=f"config: {CONFIG_PATH}")
    vpy = shlex.quote(str(venv_dir / "bin" / "python"))
    convention, uses_venv = detect(
        seen_in(repo_root),
        interpreters(python),
        str(venv_dir),
        lend=_lend_worker_packages(vpy),
        extra_setup=config.setup,
    )
    why = f"{convention.language}: {convention.why}" if convention.why else convention.language
    return TestPlan(
        setup=convention.setup,
        test=convention.test,
        venv=venv_dir if uses_venv else None,
        origin=f"convention ({why})",
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
