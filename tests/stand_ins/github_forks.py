"""Where a pull request's head lives: a branch of its own repository or of a fork. As on GitHub, the base
repository keeps every pull request's head under `refs/pull/{n}/head`, which is how an App installed only on
the base repository reads a fork's code. Callers hold world.lock."""

from __future__ import annotations

from tests.stand_ins import git_http
from tests.stand_ins.github_state import Pull, Repo, World


def head_repo(world: World, repo: Repo, pull: Pull) -> Repo:
    return world.repo(pull.head_repo) if pull.head_repo else repo


def head_sha(world: World, repo: Repo, pull: Pull) -> str:
    """The head branch's tip where it lives right now (a push to the fork moves it), or ""."""
    return git_http.branch_sha(head_repo(world, repo, pull).bare_path, pull.head) or ""


def sync_pull_refs(world: World, repo: Repo) -> None:
    """Point each pull request's `refs/pull/{n}/head` at its head's tip, fetching a fork's objects into the
    base repository as GitHub does when the fork is pushed to."""
    for number, pull in repo.pulls.items():
        ref = f"refs/pull/{number}/head"
        if pull.head_repo:
            source = str(world.repo(pull.head_repo).bare_path)
            git_http.git("fetch", "--quiet", source, f"+refs/heads/{pull.head}:{ref}", cwd=repo.bare_path)
        elif sha := git_http.branch_sha(repo.bare_path, pull.head):
            git_http.git("update-ref", ref, sha, cwd=repo.bare_path)
