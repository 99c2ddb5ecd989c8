"""A revision of the bot's own pull request, run in-process against the GitHub and TGI stand-ins with real
git: one more commit on the same branch, one pull request, a longer ledger."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from core.jobs import RepairRequest
from tests.bugs import PARENS, PARENS_PATH, PARENS_RIGHT, quixbugs_repo
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, World, github_world
from tests.stand_ins.tgi_server import TGIStandIn
from workers.github.job import run_github_job

pytestmark = pytest.mark.slow

BRANCH = "codellama/fix-issue-1"
# What report_text.PULL_BODY makes, cut short: the ledger and the footer a revision keeps.
BODY = """Fixes #1.

<details><summary>Attempts (1 in 1 round(s))</summary>

- round 1, candidate 1: tests pass
</details>

*Opened by codellama-bot. Review it like any other contribution."""


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as w:
        yield w


def _git(world: World, *args: str) -> str:
    bare = world.gh.bare_repo_path(REPO)
    return subprocess.run(["git", *args], cwd=bare, capture_output=True, text=True, check=True).stdout.strip()


def _push(world: World, tmp_path: Path, name: str, edit: str) -> None:
    """A commit on the bot's branch, as its first job would have made it: `edit` atop the program."""
    clone = tmp_path / name
    subprocess.run(["git", "clone", "-q", str(world.gh.bare_repo_path(REPO)), str(clone)], check=True)
    if _git(world, "branch", "--list", BRANCH):
        subprocess.run(["git", "checkout", "-q", BRANCH], cwd=clone, check=True)
    else:
        subprocess.run(["git", "checkout", "-q", "-b", BRANCH], cwd=clone, check=True)
    program = clone / PARENS_PATH
    program.write_text(edit + program.read_text())
    subprocess.run(["git", "add", "-A"], cwd=clone, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", name], cwd=clone, check=True
    )
    subprocess.run(["git", "push", "-q", "origin", BRANCH], cwd=clone, check=True)


def _bots_pull(world: World, tmp_path: Path) -> int:
    world.gh.add_issue(REPO, "`((` counts as balanced", "")
    _push(world, tmp_path, "first-job", "# Checks that parentheses balance.\n")
    number = world.gh.add_pull(REPO, BRANCH, "main", title="Fix #1", body=BODY, user="codellama-bot[bot]")
    world.gh.add_review_comment(REPO, number, PARENS_PATH, 1, "Say what depth means here.", user="bob")
    return number


def _request(number: int, delivery: str = "rev-1") -> RepairRequest:
    return RepairRequest(
        kind="issue",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id=delivery,
        issue_number=number,
        comment_id=9,
        is_pull_request=True,
        instructions="also make `((` invalid",
        requested_by=MAINTAINER,
    )


def _settings(world: World, tmp_path: Path, tgi_url: str, redis_url: str):  # type: ignore[no-untyped-def]
    return world.settings(
        redis_url,
        "unused",
        tgi_url=tgi_url,
        bot_workdir=tmp_path / "work",
        candidates=1,
        bot_max_iterations=1,
    )


def test_a_fix_on_the_bots_own_pull_request_adds_one_commit_to_its_branch_and_grows_its_ledger(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    number = _bots_pull(world, tmp_path)
    before = _git(world, "rev-parse", BRANCH)
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        outcome = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), _request(number))
        [prompt] = tgi.prompts()
    assert outcome.status == "revised", outcome
    after = _git(world, "rev-parse", BRANCH)
    assert _git(world, "rev-list", f"{before}..{after}").splitlines() == [after]
    assert _git(world, "rev-parse", f"{after}^") == before
    assert "return depth == 0" in _git(world, "show", f"{after}:{PARENS_PATH}")
    [pull] = world.gh.pulls(REPO)
    assert pull["head"]["ref"] == BRANCH and outcome.detail.endswith(f"/commit/{after}")
    body = pull["body"]
    assert "### Revisions\n- **Revision 1**" in body and after[:7] in body and f"@{MAINTAINER}" in body
    assert body.startswith(BODY.split("*Opened")[0].rstrip()) and body.rstrip().endswith("contribution.")
    [comment] = world.gh.issue_comments(REPO, number)
    assert outcome.detail in comment["body"]
    # The prompt: the instructions, the review comment with the line it points at, the diff as it stands.
    assert "also make `((` invalid" in prompt
    assert f"`{PARENS_PATH}` line 1, @bob" in prompt and "> # Checks that parentheses balance." in prompt
    assert "Say what depth means here." in prompt
    assert "+# Checks that parentheses balance." in prompt
    # The same delivery again finds its entry in the ledger: no model call, no second commit.
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        again = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), _request(number))
        assert tgi.prompts() == []
    assert again.status == "already_done" and _git(world, "rev-parse", BRANCH) == after
    assert len(world.gh.pulls(REPO)) == 1


def test_a_branch_that_moves_during_the_revision_is_not_overwritten(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    number = _bots_pull(world, tmp_path)

    def answer_after_a_push(prompt: str, parameters: dict[str, Any]) -> str:
        # A maintainer pushes onto the branch while the model thinks.
        _push(world, tmp_path, "maintainer", "# A maintainer's line.\n")
        return PARENS_RIGHT

    with TGIStandIn(answer_after_a_push) as tgi:
        outcome = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), _request(number))
    assert outcome.status == "failed" and "moved while I worked" in outcome.detail, outcome
    assert _git(world, "log", "-1", "--format=%s", BRANCH) == "maintainer"
    [pull] = world.gh.pulls(REPO)
    assert pull["body"] == BODY
    [comment] = world.gh.issue_comments(REPO, number)
    assert "/codellama retry" in comment["body"]
