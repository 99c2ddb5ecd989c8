"""A user's checkout, and `codellama-bot fix` run over it as the user runs it: real git, and a real process
whose settings come only from what the test passes. The set-up the tests of the local command share."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import git

from tests.bugs import PARENS, quixbugs_repo
from tests.processes import child_env


def commit_files(root: Path, files: Mapping[str, str], message: str = "base") -> git.Repo:
    """A new repository at `root`, on branch main, holding `files` (path -> text) in one commit."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("--all")
    repo.index.commit(message)
    return repo


def parens_checkout(root: Path) -> git.Repo:
    """QuixBugs' buggy is_valid_parenthesization with its tests, committed: what the `fix` tests repair."""
    return commit_files(root, quixbugs_repo(PARENS), "QuixBugs is_valid_parenthesization, buggy")


def run_fix(
    checkout: Path,
    *args: str,
    tgi_url: str,
    workdir: Path,
    knobs: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`codellama-bot fix CHECKOUT ARGS` against the model server at `tgi_url`, jobs under `workdir`, and
    whatever other settings `knobs` names (environment variable -> value). Past `timeout_s` the test fails
    with subprocess.TimeoutExpired: a run that long is a hang, not a slow answer."""
    env = child_env({"TGI_URL": tgi_url, "BOT_WORKDIR": str(workdir), **(knobs or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "fix", str(checkout), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
