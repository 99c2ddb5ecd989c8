"""`/codellama fix` on a JavaScript, a Go and a Rust repository without a `.github/codellama.yml`: the
worker sets it up and tests it by convention (npm test, go test ./..., cargo test) on the real toolchain in
the sandbox, the model answers wrongly then rightly, and the pull request's branch passes its own tests.

Each repository is HumanEvalFix task 3 (below_zero) of its language made into a project
(workers/benchmark/projects.py). Real redis-server, `codellama-bot serve` and `worker`, real git; only
GitHub and the model are stand-ins."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import processes
from tests.conftest import CORPORA, free_port, wait_until
from tests.github_world import REPO, github_world
from tests.scenes import Scene, bot_env
from tests.stand_ins.tgi_server import TGIStandIn
from workers.benchmark.projects import BUILDERS, TEST_COMMANDS, TOOLCHAINS, Project

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TASK = 3  # below_zero: `balance == 0` where `balance < 0` is meant, in every language
BUGGY, WRONG, RIGHT = "balance == 0", "balance <= 0", "balance < 0"


def _project(language: str) -> Project:
    rows = (CORPORA / "humanevalfix" / "data" / language / "humanevalpack.jsonl").read_text().splitlines()
    return BUILDERS[language](json.loads(rows[TASK]))


def _answer(project: Project, replacement: str, explanation: str) -> str:
    """A SEARCH/REPLACE answer that rewrites the buggy comparison as `replacement`."""
    [line] = [ln for ln in project.files[project.source].splitlines() if BUGGY in ln]
    fixed = line.replace(BUGGY, replacement)
    block = f"<<<<<<< SEARCH\n{line}\n=======\n{fixed}\n>>>>>>> REPLACE"
    return f"{explanation}\n\n{project.source}\n```\n{block}\n```\n"


def _need_toolchain(language: str) -> None:
    missing = [tool for tool in TOOLCHAINS[language] if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{language}: {' and '.join(missing)} not installed; scripts/install-test-tools.sh installs them"
        )


def _clone_and_test(
    tmp: Path, branch: str, world_bare: Path, command: str
) -> subprocess.CompletedProcess[str]:
    """A fresh clone of the pushed branch, tested from scratch with the project's own command."""
    dest = tmp / "verify"
    subprocess.run(
        ["git", "clone", "-q", "--branch", branch, str(world_bare), str(dest)], check=True, timeout=60
    )
    # This machine's own environment: a rustup install finds its toolchain through HOME.
    return subprocess.run(command, shell=True, cwd=dest, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("language", ["js", "go", "rust"])
def test_fix_command_on_a_repository_tested_by_convention(
    language: str, tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    _need_toolchain(language)
    project = _project(language)
    wrong = _answer(project, WRONG, "The balance must not reach zero.")
    right = _answer(project, RIGHT, "Below zero means less than zero, not equal to it.")
    with github_world(tmp_path / "github", project.files) as world, TGIStandIn([wrong, right]) as tgi:
        env = bot_env(world, tgi, tmp_path, redis_url, queue_name, BOT_MAX_ITERATIONS="3", TGI_RETRIES="0")
        scene = Scene(world, tgi, env, tmp_path, free_port(), None)
        number, payload = scene.fix_command("/codellama fix", "below_zero says true when the balance is 0.")
        with (
            processes.serve(env, scene.port, tmp_path / "serve.log"),
            processes.worker(env, tmp_path / "worker.log") as worker,
        ):
            assert scene.deliver("issue_comment", payload, f"e2e-{language}").status_code == 202
            pr = scene.pull_request(timeout_s=240)
            wait_until(
                lambda: [c for c in world.gh.issue_comments(REPO, number) if pr["html_url"] in c["body"]],
                30,
                "the comment linking the pull request",
            )
        command = TEST_COMMANDS[language]
        # The pull request says which command tested the fix, and that a convention chose it.
        assert f"Command: `{command}`\nCommands from convention (" in pr["body"], (pr["body"], worker.log())
        prompts = tgi.prompts()
        assert len(prompts) == 2, worker.log()
        assert WRONG in prompts[1]  # the first answer, and what its tests said, went back to the model
        verify = _clone_and_test(tmp_path, pr["head"]["ref"], world.gh.bare_repo_path(REPO), command)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    changed = subprocess.run(
        ["git", "diff", "--name-only", "origin/main", "HEAD"],
        cwd=tmp_path / "verify",
        capture_output=True,
        text=True,
    )
    assert changed.stdout.split() == [project.source]
