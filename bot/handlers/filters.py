"""Shared checks that keep the bot from answering itself. Pure logic."""

from __future__ import annotations

from typing import Any

from core.settings import Settings


def is_bot_sender(payload: dict[str, Any], settings: Settings) -> bool:
    sender = payload.get("sender") or {}
    return sender.get("type") == "Bot" or sender.get("login") == settings.bot_login


def is_bot_branch(branch: str | None, settings: Settings) -> bool:
    return bool(branch) and branch.startswith(settings.bot_branch_prefix)  # type: ignore[union-attr]
