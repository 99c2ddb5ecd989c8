"""A job's git checkout: clone, branch, commit, push. The token lives only in the git process's env."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import git

from core.errors import GitHubUnavailable, JobFailed

# An installation token, or a callable that returns one still valid (core/installation_session.py).
Token = str | Callable[[], str]

BOT_AUTHOR = git.Actor("codellama-bot", "codellama-bot@users.noreply.github.com")

# A credential helper that reads the token from the environment, itself configured through
# GIT_CONFIG_* variables: the token never lands in argv, the URL, the clone's saved config or an error
# message. GitHub wants user "x-access-token" and the token as password.
_CREDENTIAL_HELPER = '!f() { echo username=x-access-token; echo "password=$CODELLAMA_GIT_TOKEN"; }; f'


def scrub(text: str, *secrets: str) -> str:
    """Remove secrets, and any credentials embedded in URLs, from text bound for logs or comments."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"(https?://)[^/@\s]+@", r"\1***@", text)


class Workspace:
    def __init__(self, repo: git.Repo, token: Token | None = None) -> None:
        self.repo = repo
        self.root = Path(repo.working_tree_dir or ".")
        self._token = token

    @classmethod
    def clone(
        cls, url: str, dest: Path, token: Token | None, ref: str | None = None, fetch: str = ""
    ) -> Workspace:
        """`fetch`: a ref a clone does not bring, fetched before `ref` is checked out (a fork's pull request
        head lives only under the base repository's refs/pull/{n}/head)."""
        current = _current(token)
        try:
            repo = git.Repo.clone_from(url, dest, env=_git_env(current), multi_options=["--no-tags"])
            if fetch:
                with repo.git.custom_environment(**_git_env(current)):
                    repo.git.fetch("--no-tags", "origin", fetch)
            if ref:
                repo.git.checkout(ref)
        except git.GitCommandError as exc:
            raise GitHubUnavailable(
                f"git clone of {scrub(url)} failed: {scrub(str(exc.stderr), current or '')}"
            ) from exc
        return cls(repo, token)

    @classmethod
    def open(cls, path: Path) -> Workspace:
        try:
            return cls(git.Repo(path))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise JobFailed(f"{path} is not a git checkout") from exc

    @property
    def head_sha(self) -> str:
        return self.repo.head.commit.hexsha

    def is_dirty(self) -> bool:
        return self.repo.is_dirty(untracked_files=True)

    def diff(self, paths: list[str]) -> str:
        """The change to `paths` against HEAD, new files included; nothing else the tests left behind."""
        if not paths:
            return ""
        self.repo.git.add("--intent-to-add", "--", *paths)
        try:
            return str(self.repo.git.diff("HEAD", "--", *paths))
        finally:
            self.repo.git.reset("-q", "--", *paths)

    def apply_diff(self, diff: str) -> None:
        """Apply a diff made by `diff()` on the same HEAD (a candidate judged elsewhere)."""
        if not diff.strip():
            return
        patch = Path(self.repo.git_dir) / "codellama-candidate.patch"
        patch.write_text(diff if diff.endswith("\n") else diff + "\n", encoding="utf-8")
        try:
            self.repo.git.apply("--whitespace=nowarn", str(patch))
        finally:
            patch.unlink(missing_ok=True)

    def restore(self, paths: list[str]) -> None:
        """Undo an edit: tracked files back to HEAD, files it created removed. Only those paths, so what
        the setup built inside the checkout (an egg-info, compiled extensions) survives."""
        tracked = (
            set(str(self.repo.git.ls_tree("-r", "--name-only", "HEAD", "--", *paths)).splitlines())
            if paths
            else set()
        )
        if tracked:
            self.repo.git.checkout("HEAD", "--", *sorted(tracked))
        for rel in paths:
            if rel not in tracked:
                (self.root / rel).unlink(missing_ok=True)

    def commit_paths(self, branch: str, paths: list[str], message: str) -> str:
        """Commit exactly the fix's files: whatever else the tests wrote into the checkout stays out."""
        self.repo.git.checkout("-B", branch)
        self.repo.git.add("--", *paths)
        commit = self.repo.index.commit(message, author=BOT_AUTHOR, committer=BOT_AUTHOR)
        return commit.hexsha

    def push(self, branch: str, *, fast_forward_only: bool = False) -> None:
        """Force-push: the branch belongs to the bot, and a retried job must be able to replace it. With
        `fast_forward_only` (a revision of a pull request people review), a branch that moved since the clone
        is left alone and JobFailed says so: someone else's commit is never overwritten."""
        token = _current(self._token)  # asked for now: a job can outlive the token it cloned with
        force = [] if fast_forward_only else ["--force"]
        with self.repo.git.custom_environment(**_git_env(token)):
            try:
                self.repo.git.push(*force, "origin", f"HEAD:refs/heads/{branch}")
            except git.GitCommandError as exc:
                if fast_forward_only and "[rejected]" in str(exc.stderr):
                    raise JobFailed(
                        f"the branch `{branch}` moved while I worked on it, so I did not push my commit; "
                        "comment `/codellama retry` to revise it as it is now"
                    ) from exc
                raise GitHubUnavailable(
                    f"git push of {branch} failed: {scrub(str(exc.stderr), token or '')}"
                ) from exc


def _current(token: Token | None) -> str | None:
    return token() if callable(token) else token


def _git_env(token: str | None) -> dict[str, str]:
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if token:
        env.update(
            {
                "CODELLAMA_GIT_TOKEN": token,
                "GIT_CONFIG_COUNT": "2",
                # The empty value first clears any helper from system or global config.
                "GIT_CONFIG_KEY_0": "credential.helper",
                "GIT_CONFIG_VALUE_0": "",
                "GIT_CONFIG_KEY_1": "credential.helper",
                "GIT_CONFIG_VALUE_1": _CREDENTIAL_HELPER,
            }
        )
    return env
