"""Shared checks that keep the bot from answering itself. Pure logic."""

from __future__ import annotations

from bot.events import Account
from core.settings import Settings


def is_bot_sender(sender: Account, settings: Settings) -> bool:
    return sender.type == "Bot" or sender.login == settings.bot_login


def is_bot_branch(branch: str | None, settings: Settings) -> bool:
    return branch is not None and branch.startswith(settings.bot_branch_prefix)
