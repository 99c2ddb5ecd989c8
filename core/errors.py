"""Every exception the bot raises on purpose, sorted by what the caller should do with it.

- ConfigurationError: an operator must fix a setting; start-up stops.
- TransientError: worth retrying later (network, rate limits, a model server restarting).
- JobFailed: give up and tell the person on GitHub what was tried.
- UsageError: a command-line input is wrong; the message says what is wrong and what to do.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of the bot's own errors; the message is meant for a human."""


class ConfigurationError(BotError):
    """A setting is missing or wrong."""


class TransientError(BotError):
    """A failure that may pass if the same work is tried again later."""


class ModelUnavailable(TransientError):
    """The model server did not answer, or kept answering 429/503."""


class GitHubUnavailable(TransientError):
    """GitHub (or the stand-in) answered 5xx, timed out, or rate-limited us."""


class JobFailed(BotError):
    """The job ends without a fix; the message says why, for the comment on GitHub."""


class SandboxUnavailable(BotError):
    """Repository code cannot be run safely here and unsandboxed runs are not allowed."""


class UsageError(BotError):
    """A command's input (an argument, a path, a checkout) cannot be used; the person at the terminal acts."""
