"""`codellama-bot fix PATH`: the repair loop on a local checkout, against the TGI stand-in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git
import pytest

from tests.bugs import PARENS, PARENS_PATH, PARENS_RIGHT, PARENS_WRONG, quixbugs_repo
from tests.conftest import free_port
from tests.processes import child_env
from tests.stand_ins.tgi_server import TGIStandIn

pytestmark = pytest.mark.slow


def _checkout(root: Path) -> git.Repo:
    for rel, text in quixbugs_repo(PARENS).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("--all")
    repo.index.commit("QuixBugs is_valid_parenthesization, buggy")
    return repo


def _fix(path: Path, tgi_url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = child_env(
        {
            "TGI_URL": tgi_url,
            "CANDIDATES": "1",
            "BOT_MAX_ITERATIONS": "2",
            "TGI_RETRIES": "1",
            "TGI_BACKOFF_BASE_S": "0.05",
            "BOT_WORKDIR": str(tmp / "work"),
        }
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "fix",
            str(path),
            "--test",
            "python -m pytest -q -p no:cacheprovider",
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_fix_leaves_the_repair_on_a_new_branch_and_the_checkout_untouched(tmp_path: Path) -> None:
    repo = _checkout(tmp_path / "checkout")
    before = (tmp_path / "checkout" / PARENS_PATH).read_text()
    with TGIStandIn([PARENS_WRONG, PARENS_RIGHT]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--issue", "'((' must be invalid")
        prompts = tgi.prompts()
    assert done.returncode == 0, done.stderr
    assert "+    return depth == 0" in done.stdout
    branch = f"codellama/fix-local-{repo.head.commit.hexsha[:7]}"
    assert branch in [h.name for h in repo.heads]
    assert "return depth == 0" in repo.git.show(f"{branch}:{PARENS_PATH}")
    # The user's branch, index and working tree are as they were.
    assert repo.active_branch.name == "main" and not repo.is_dirty(untracked_files=True)
    assert (tmp_path / "checkout" / PARENS_PATH).read_text() == before
    assert len(prompts) == 2 and "'((' must be invalid" in prompts[0]


def test_fix_gives_up_with_exit_1_when_no_answer_works(tmp_path: Path) -> None:
    _checkout(tmp_path / "checkout")
    with TGIStandIn([PARENS_WRONG, PARENS_WRONG]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Gave up" in done.stderr and "assert True == False" in done.stderr


def test_fix_says_clearly_when_no_model_server_answers(tmp_path: Path) -> None:
    _checkout(tmp_path / "checkout")
    url = f"http://127.0.0.1:{free_port()}"
    done = _fix(tmp_path / "checkout", url, tmp_path)
    assert done.returncode == 2
    assert url in done.stderr and "model" in done.stderr.lower()


def test_fix_refuses_a_dirty_checkout_so_nothing_is_lost(tmp_path: Path) -> None:
    _checkout(tmp_path / "checkout")
    (tmp_path / "checkout" / "notes.txt").write_text("work in progress")
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path)
    assert done.returncode == 2 and "uncommitted changes" in done.stderr
    assert (tmp_path / "checkout" / "notes.txt").read_text() == "work in progress"
