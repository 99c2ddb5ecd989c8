"""A repair job on a fork's pull request, in-process against the GitHub and TGI stand-ins with real git and
sandbox: the App cannot push to the fork, so the fix arrives as one review of suggestions, which, applied as
GitHub applies them, make the pull request's tests pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.jobs import RepairRequest
from core.settings import Settings
from tests.apply_suggestions import apply_as_github
from tests.bugs import PARENS, PARENS_PATH, PARENS_RIGHT, quixbugs_ci_log, quixbugs_repo
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, World, github_world
from tests.stand_ins.tgi_server import TGIStandIn
from workers.github.job import run_github_job

pytestmark = pytest.mark.slow
FORK = "mallory/quixbugs-mini"
TESTS = ["python_testcases/test_is_valid_parenthesization.py"]


def _settings(world: World, tmp_path: Path, tgi_url: str, redis_url: str) -> Settings:
    return world.settings(redis_url, "unused", tgi_url=tgi_url, bot_workdir=tmp_path / "work", candidates=1,
                          bot_max_iterations=2, tgi_retries=1, tgi_backoff_base_s=0.05)  # fmt: skip


def _git(*args: str, cwd: Path) -> str:
    ident = ["-c", "user.name=m", "-c", "user.email=m@x"]
    return subprocess.run(["git", *ident, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _fork_branch(world: World, tmp_path: Path, path: str, change: tuple[str, str]) -> str:
    """The fork's owner pushes branch `simplify`, which changes `path`; returns its SHA."""
    world.gh.fork_repo(REPO, FORK)
    work = tmp_path / "mallory"
    _git("clone", "-q", str(world.gh.bare_repo_path(FORK)), str(work), cwd=tmp_path)
    target = work / path
    target.write_text(target.read_text().replace(*change) if target.exists() else change[1])
    _git("add", path, cwd=work)
    _git("commit", "-qm", "simplify", cwd=work)
    _git("push", "-q", "origin", "HEAD:refs/heads/simplify", cwd=work)
    return _git("rev-parse", "HEAD", cwd=work).strip()


def _refs(world: World) -> dict[str, str]:
    return {
        name: _git("for-each-ref", "refs/heads", cwd=world.gh.bare_repo_path(name)) for name in (REPO, FORK)
    }


def _checkout_of_fork_head(world: World, tmp_path: Path) -> Path:
    clone = tmp_path / "applied"
    _git("clone", "-q", "-b", "simplify", str(world.gh.bare_repo_path(FORK)), str(clone), cwd=tmp_path)
    return clone


def _tests_pass(clone: Path) -> bool:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=clone,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    return done.returncode == 0


@pytest.fixture
def fixed_upstream() -> dict[str, str]:
    """The repository with the bug fixed on main: the fork's pull request brings it back."""
    files = quixbugs_repo(PARENS)
    files[PARENS_PATH] = files[PARENS_PATH].replace("    return True", "    return depth == 0")
    return files


def test_red_ci_on_a_forks_pull_request_gets_suggestions_that_make_its_tests_pass(
    tmp_path: Path, redis_url: str, fixed_upstream: dict[str, str]
) -> None:
    with github_world(tmp_path / "github", fixed_upstream) as world:
        sha = _fork_branch(world, tmp_path, PARENS_PATH, ("    return depth == 0", "    return True"))
        number = world.gh.add_pull(REPO, "simplify", "main", head_repo=FORK, user="mallory")
        job = {"name": "pytest", "conclusion": "failure", "log": quixbugs_ci_log(PARENS)}
        run = world.gh.add_workflow_run(REPO, "simplify", sha, event="pull_request", jobs=[job])
        # As the receiver queues it: GitHub names no pull request for a run on a fork's head.
        request = RepairRequest(kind="ci", installation_id=INSTALLATION_ID, repo_full_name=REPO,
                                delivery_id="fork-ci", head_branch="simplify", head_sha=sha,
                                workflow_run_id=run["id"], head_repo=FORK)  # fmt: skip
        refs_before = _refs(world)
        with TGIStandIn([PARENS_RIGHT]) as tgi:
            outcome = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), request)
        assert outcome.status == "suggested", outcome
        [review] = world.gh.reviews(REPO, number)
        assert outcome.detail == review["html_url"] and review["commit_id"] == sha
        assert review["state"] == "COMMENTED" and "fork `mallory/quixbugs-mini`" in review["body"]
        [suggestion] = review["comments"]
        assert suggestion["path"] == PARENS_PATH and suggestion["body"].startswith("```suggestion\n")
        # The Check Run on the fork's failing head links the review.
        [check] = world.gh.check_runs(REPO, sha)
        assert (check["status"], check["conclusion"], check["details_url"]) == (
            "completed",
            "success",
            review["html_url"],
        )
        assert (
            check["output"]["title"] == "Fix suggested" and review["html_url"] in check["output"]["summary"]
        )
        # Nothing pushed anywhere, no pull request opened, no comment besides the review.
        assert _refs(world) == refs_before
        assert [p["number"] for p in world.gh.pulls(REPO)] == [number]
        assert world.gh.issue_comments(REPO, number) == []

        clone = _checkout_of_fork_head(world, tmp_path)
        assert not _tests_pass(clone)
        for path in {c["path"] for c in review["comments"]}:
            mine = [c for c in review["comments"] if c["path"] == path]
            (clone / path).write_text(apply_as_github((clone / path).read_text(), mine))
        assert _tests_pass(clone)

        # The same delivery again finds its review: no second one, no model call.
        with TGIStandIn([PARENS_RIGHT]) as tgi:
            again = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), request)
            assert tgi.requests == []
        assert (again.status, again.detail) == ("already_done", review["html_url"])
        assert len(world.gh.reviews(REPO, number)) == 1
        last = world.gh.check_runs(REPO, sha)[-1]
        assert (last["conclusion"], last["details_url"]) == ("success", review["html_url"])


def test_a_fix_outside_the_pull_requests_diff_is_offered_as_a_patch_in_the_review(
    tmp_path: Path, redis_url: str
) -> None:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        _fork_branch(world, tmp_path, "NOTES.md", ("", "Notes from the fork.\n"))
        number = world.gh.add_pull(REPO, "simplify", "main", head_repo=FORK, user="mallory")
        world.gh.add_issue_comment(REPO, number, "/codellama fix", user=MAINTAINER)
        request = RepairRequest(kind="issue", installation_id=INSTALLATION_ID, repo_full_name=REPO,
                                delivery_id="fork-cmd", issue_number=number, comment_id=1,
                                is_pull_request=True, requested_by=MAINTAINER)  # fmt: skip
        with TGIStandIn([PARENS_RIGHT]) as tgi:
            outcome = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), request)
        assert outcome.status == "suggested", outcome
        [review] = world.gh.reviews(REPO, number)
        assert review["comments"] == []
        assert "only on lines this pull request's diff shows" in review["body"]
        patch = review["body"].split("```diff\n", 1)[1].split("\n```", 1)[0] + "\n"
        clone = _checkout_of_fork_head(world, tmp_path)
        subprocess.run(["git", "apply"], input=patch, text=True, cwd=clone, check=True)
        assert _tests_pass(clone)
