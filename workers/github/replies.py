"""The worker's short answers to commands: help with the repository's effective configuration, and the note
that a job was stopped. Neither runs repository code or the model."""

from __future__ import annotations

import shutil
import tempfile
from functools import partial
from pathlib import Path

from core import command_texts
from core.errors import JobFailed
from core.github_app import GitHubApp
from core.installation_session import InstallationSession
from core.jobs import RepairRequest
from core.scrub import scrubber_for
from core.settings import Settings
from workers.checkout.repo_config import CONFIG_PATH, RepoConfig, RepoConfigError, load_repo_config
from workers.checkout.workspace import Workspace
from workers.github.gateway import RepoGateway
from workers.loop.repair_config import repair_config


def _gateway(settings: Settings, request: RepairRequest) -> tuple[RepoGateway, InstallationSession]:
    app = GitHubApp(settings)
    session = InstallationSession(partial(app.installation_token, request.installation_id))
    gateway = RepoGateway(app.client(session.auth()), request.repo_full_name, scrubber=scrubber_for(settings))
    return gateway, session


def answer_help(settings: Settings, request: RepairRequest) -> str:
    """Comment the usage and the configuration on the default branch; returns the comment's first line."""
    gateway, session = _gateway(settings, request)
    body = command_texts.help_text(settings.command_prefix, request.unknown_subcommand)
    body += _configuration(settings, gateway, session)
    if request.issue_number:
        gateway.comment(request.issue_number, body)
    return body.splitlines()[0]


def _configuration(settings: Settings, gateway: RepoGateway, session: InstallationSession) -> str:
    # A shallow look would need the contents API and a second reading of the file; a clone reads it
    # through the very code a job uses (symlink and size checks included), so help cannot disagree with it.
    branch = gateway.default_branch
    scratch = tempfile.mkdtemp(prefix="codellama-help-", dir=_workdir(settings))
    try:
        workspace = Workspace.clone(gateway.clone_url, Path(scratch) / "repo", session.token, branch)
        try:
            config = load_repo_config(workspace.root)
        except RepoConfigError as exc:
            return command_texts.CONFIG_BROKEN.substitute(branch=branch, error=str(exc))
        present = (workspace.root / CONFIG_PATH).exists()
        return _render(settings, config, branch, present)
    except JobFailed as exc:
        return command_texts.CONFIG_BROKEN.substitute(branch=branch, error=str(exc))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _render(settings: Settings, config: RepoConfig, branch: str, present: bool) -> str:
    effective = repair_config(settings, config)

    def code(values: tuple[str, ...]) -> str:
        return ", ".join(f"`{v}`" for v in values) if values else "none"

    return command_texts.CONFIG.substitute(
        branch=branch,
        where="" if present else ": not present, defaults apply",
        setup=code(config.setup)
        if config.setup
        else "none (Python: a virtualenv with the project installed)",
        test=f"`{config.test}`" if config.test else "not set (Python: `pytest`)",
        protected=code(config.protected) + " (CI configuration always is)",
        auto_fix_ci=(
            ("on" if config.auto_fix_ci else "off")
            if isinstance(config.auto_fix_ci, bool)
            else "on for " + code(config.auto_fix_ci)
        ),
        allow_test_edits="yes" if config.allow_test_edits else "no",
        rounds=effective.max_rounds,
        candidates=effective.candidates,
        daily=f"{config.daily_jobs or settings.daily_job_budget:,} / "
        f"{config.daily_tokens or settings.daily_token_budget:,}",
        instructions=f"{len(config.instructions):,} characters" if config.instructions else "none",
    )


def _workdir(settings: Settings) -> str:
    settings.bot_workdir.mkdir(parents=True, exist_ok=True)
    return str(settings.bot_workdir)


def report_stopped(settings: Settings, request: RepairRequest, *, started: bool) -> None:
    """Say on the issue or pull request that its job was stopped (before it started, or mid-way)."""
    if not request.issue_number:
        return
    gateway, _ = _gateway(settings, request)
    body = command_texts.STOPPED.substitute(
        when="while it ran" if started else "before it started",
        prefix=settings.command_prefix,
    )
    gateway.comment(request.issue_number, body)
