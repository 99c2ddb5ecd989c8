"""Installation tokens that expire mid-job: the GitHub stand-in issues tokens living seconds and answers an
expired one with 401 as GitHub does; the job's REST calls and git pushes still go through."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from github import GithubException

from core.errors import GitHubUnavailable
from core.github_app import GitHubApp, InstallationToken
from core.installation_session import InstallationSession
from tests.bugs import PARENS, PARENS_RIGHT, quixbugs_repo
from tests.conftest import wait_until
from tests.github_world import INSTALLATION_ID, REPO, World, github_world, issue_request
from tests.stand_ins.tgi_server import TGIStandIn
from workers.checkout.workspace import Workspace
from workers.github.job import run_github_job

# Short enough that a job outlives several; long enough that a request or push started with a fresh one
# (at least a quarter of its life left) finishes on a loaded machine.
LIFETIME = timedelta(seconds=8)


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    with github_world(tmp_path / "github", quixbugs_repo(PARENS), token_lifetime=LIFETIME) as w:
        yield w


def _session(world: World) -> tuple[GitHubApp, InstallationSession]:
    app = GitHubApp(world.settings("redis://unused", "unused"))
    return app, InstallationSession(lambda: app.installation_token(INSTALLATION_ID))


def _until_expired(world: World, token: str) -> None:
    wait_until(lambda: not world.gh.token_valid(token), 30, "the stand-in to expire the token")


def test_the_stand_in_refuses_an_expired_token_with_401(world: World) -> None:
    app, session = _session(world)
    first = session.token()
    pinned = app.client(InstallationToken(first, None))
    assert pinned.get_repo(REPO).full_name == REPO
    _until_expired(world, first)
    with pytest.raises(GithubException) as refused:
        pinned.get_repo(REPO)
    assert refused.value.status == 401


def test_the_session_mints_again_before_expiry_and_keeps_a_fresh_token_otherwise(world: World) -> None:
    app, session = _session(world)
    first = session.token()
    assert session.token() == first  # fresh: no new token for every request
    client = app.client(session.auth())
    _until_expired(world, first)
    repo = client.get_repo(REPO)
    issue = repo.get_issue(world.gh.add_issue(REPO, "x", ""))
    issue.create_comment("still allowed to talk")
    assert [c["body"] for c in world.gh.issue_comments(REPO, issue.number)] == ["still allowed to talk"]
    assert session.minted[0] == first and len(session.minted) >= 2
    assert world.gh.token_valid(session.minted[-1])


def test_a_push_after_the_clone_token_expired_uses_a_fresh_one(world: World, tmp_path: Path) -> None:
    _, session = _session(world)
    url = world.gh.repository(REPO)["clone_url"]
    pinned = Workspace.clone(url, tmp_path / "pinned", session.token())
    fresh = Workspace.clone(url, tmp_path / "fresh", session.token)
    _until_expired(world, session.minted[0])
    for workspace, branch in ((pinned, "pinned"), (fresh, "fresh")):
        (workspace.root / "NOTES.md").write_text(f"{branch}\n")
        workspace.commit_paths(branch, ["NOTES.md"], branch)
    with pytest.raises(GitHubUnavailable) as refused:
        pinned.push("pinned")  # the token it cloned with is dead: what the issue saw
    assert session.minted[0] not in str(refused.value)
    fresh.push("fresh")
    heads = subprocess.run(
        ["git", "ls-remote", "--heads", str(world.gh.bare_repo_path(REPO))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "refs/heads/fresh" in heads and "refs/heads/pinned" not in heads


@pytest.mark.slow
def test_a_job_that_outlives_its_first_token_still_pushes_opens_the_pull_request_and_comments(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    gh = world.gh

    def model(prompt: str, parameters: dict) -> str:  # type: ignore[type-arg]
        # The model is slow: by the time it answers, the job's first token is dead.
        first = gh.installation_tokens_issued[0]
        wait_until(lambda: not gh.token_valid(first), 60, "the job's first token to expire")
        return PARENS_RIGHT

    number = gh.add_issue(REPO, "`((` counts as balanced", "")
    started = time.monotonic()
    with TGIStandIn(model) as tgi:
        outcome = run_github_job(
            world.settings(
                redis_url,
                "unused",
                tgi_url=tgi.url,
                bot_workdir=tmp_path / "work",
                candidates=1,
                bot_max_iterations=1,
                tgi_retries=0,
            ),
            issue_request(number, delivery_id="token-refresh"),
        )
    assert outcome.status == "pull_request", outcome
    assert time.monotonic() - started > LIFETIME.total_seconds()  # the job did outlive its first token
    [pr] = gh.pulls(REPO)
    assert pr["head"]["ref"] == f"codellama/fix-issue-{number}"
    [comment] = gh.issue_comments(REPO, number)
    assert pr["html_url"] in comment["body"]
    assert len(gh.installation_tokens_issued) >= 2
    # No REST call was refused along the way: each carried a live token. (git's first request of a clone
    # or push goes without credentials and gets 401 by design; the push itself succeeded above.)
    refused = [r for r in gh.requests if r[2] == 401 and ".git/" not in r[1]]
    assert not refused, refused
