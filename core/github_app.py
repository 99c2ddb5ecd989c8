"""GitHub App authentication: App JWT, then a short-lived installation token, through PyGithub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from github import Auth, Github, GithubException, GithubIntegration

from core.errors import ConfigurationError, GitHubUnavailable
from core.scrub import learn_token
from core.settings import Settings


@dataclass(frozen=True)
class InstallationToken:
    token: str
    expires_at: datetime | None


class GitHubApp:
    """Mints installation tokens and hands out PyGithub clients scoped to one installation."""

    def __init__(self, settings: Settings) -> None:
        settings.require("github_app_id", "github_private_key")
        self._settings = settings
        self._integration = GithubIntegration(
            auth=Auth.AppAuth(settings.github_app_id, settings.private_key_pem()),  # type: ignore[arg-type]
            base_url=settings.github_api_url,
            seconds_between_requests=settings.github_seconds_between_requests,
            seconds_between_writes=settings.github_seconds_between_writes,
        )

    def installation_token(self, installation_id: int) -> InstallationToken:
        try:
            auth = self._integration.get_access_token(installation_id)
        except GithubException as exc:
            if exc.status in (401, 403):
                raise ConfigurationError(
                    f"GitHub refused the App's credentials for installation {installation_id} "
                    f"(HTTP {exc.status}): check GITHUB_APP_ID and the private key"
                ) from exc
            raise GitHubUnavailable(f"could not mint an installation token: HTTP {exc.status}") from exc
        except (OSError, ValueError) as exc:
            raise GitHubUnavailable(
                f"could not reach GitHub at {self._settings.github_api_url}: {exc}"
            ) from exc
        learn_token(auth.token)  # from now on every scrubber in this process masks it
        return InstallationToken(token=auth.token, expires_at=auth.expires_at)

    def client(self, token: InstallationToken | Auth.Auth, *, lazy: bool = False) -> Github:
        """A client for one installation: one token, or an InstallationSession's auth that refreshes it.
        `lazy` skips fetching objects that are only written to."""
        return Github(
            auth=token if isinstance(token, Auth.Auth) else Auth.Token(token.token),
            lazy=lazy,
            base_url=self._settings.github_api_url,
            seconds_between_requests=self._settings.github_seconds_between_requests,
            seconds_between_writes=self._settings.github_seconds_between_writes,
        )
