"""One installation's GitHub credentials for a whole job: a token minted again before it expires.

GitHub's installation tokens live one hour; a job's setup (900 s) plus its repair budget (2,400 s) plus an
overrunning round can outlive one, and then the push, the pull request and the comment fail. A session
hands out a token that stays valid for a while yet, to PyGithub on every request (through `auth()`) and to
git before each clone or push (`token()`). Tokens are minted only by GitHubApp.installation_token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from github import Auth

from core.github_app import InstallationToken

# Mint again when less than this is left, so a request or a push started now finishes with a valid token.
REFRESH_MARGIN = timedelta(minutes=5)
# ... or, for a short-lived token, less than this share of its life.
REFRESH_SHARE = 0.25


class InstallationSession:
    def __init__(self, mint: Callable[[], InstallationToken]) -> None:
        self._mint = mint
        self._lock = threading.Lock()
        self._current: InstallationToken | None = None
        self._minted_at = datetime.now(UTC)
        self.minted: list[str] = []  # every token handed out, for scrubbing text bound for GitHub or logs

    def token(self) -> str:
        """A token valid for at least REFRESH_MARGIN (or a quarter of its life) from now."""
        with self._lock:
            if self._current is None or self._expiring():
                self._minted_at = datetime.now(UTC)
                self._current = self._mint()
                self.minted.append(self._current.token)
            return self._current.token

    def _expiring(self) -> bool:
        assert self._current is not None
        expires_at = self._current.expires_at
        if expires_at is None:  # GitHub always says; a token without an expiry is kept
            return False
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        margin = min(REFRESH_MARGIN, (expires_at - self._minted_at) * REFRESH_SHARE)
        return datetime.now(UTC) >= expires_at - margin

    def auth(self) -> Auth.Auth:
        """PyGithub authentication that asks the session for its token on every request."""
        return _SessionAuth(self)


class _SessionAuth(Auth.Auth):
    """Like PyGithub's Auth.AppInstallationAuth, which refreshes its token 20 s before expiry, but minting
    through the session: one place mints tokens, and git gets the same fresh ones."""

    def __init__(self, session: InstallationSession) -> None:
        self._session = session

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._session.token()

    @property
    def _masked_token(self) -> str:
        return "token (installation token removed)"
