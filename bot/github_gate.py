"""The receiver's live GitHub calls: who may command the bot, the 👀 acknowledgement, and a one-line reply
when a command has nothing to act on."""

from __future__ import annotations

from typing import Protocol

import requests
from github import GithubException
from github.Repository import Repository

from core.errors import GitHubUnavailable
from core.github_app import GitHubApp

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class GitHubGate(Protocol):
    """What the webhook handlers ask GitHub. Raises GitHubUnavailable when GitHub cannot answer."""

    def can_write(self, installation_id: int, repo_full_name: str, login: str) -> bool: ...

    def acknowledge_comment(
        self, installation_id: int, repo_full_name: str, issue_number: int, comment_id: int
    ) -> None: ...

    def reply(self, installation_id: int, repo_full_name: str, issue_number: int, body: str) -> None: ...


class AppGitHubGate:
    def __init__(self, app: GitHubApp) -> None:
        self._app = app

    def _repo(self, installation_id: int, repo_full_name: str) -> Repository:
        client = self._app.client(self._app.installation_token(installation_id), lazy=True)
        return client.get_repo(repo_full_name)

    def can_write(self, installation_id: int, repo_full_name: str, login: str) -> bool:
        try:
            permission = self._repo(installation_id, repo_full_name).get_collaborator_permission(login)
        except GithubException as exc:
            if exc.status == 404:  # not a collaborator at all
                return False
            raise GitHubUnavailable(f"permission check for {login} failed: HTTP {exc.status}") from exc
        except requests.RequestException as exc:
            raise GitHubUnavailable(f"permission check for {login} failed: {type(exc).__name__}") from exc
        return permission in WRITE_PERMISSIONS

    def acknowledge_comment(
        self, installation_id: int, repo_full_name: str, issue_number: int, comment_id: int
    ) -> None:
        try:
            repo = self._repo(installation_id, repo_full_name)
            repo.get_issue(issue_number).get_comment(comment_id).create_reaction("eyes")
        except GithubException as exc:
            raise GitHubUnavailable(f"could not react to comment {comment_id}: HTTP {exc.status}") from exc
        except requests.RequestException as exc:
            raise GitHubUnavailable(f"could not react to comment {comment_id}: {type(exc).__name__}") from exc

    def reply(self, installation_id: int, repo_full_name: str, issue_number: int, body: str) -> None:
        try:
            self._repo(installation_id, repo_full_name).get_issue(issue_number).create_comment(body)
        except GithubException as exc:
            raise GitHubUnavailable(f"could not reply on #{issue_number}: HTTP {exc.status}") from exc
        except requests.RequestException as exc:
            raise GitHubUnavailable(f"could not reply on #{issue_number}: {type(exc).__name__}") from exc
