"""Parsing a `/codellama <subcommand>` comment into one typed command. Pure logic.

Only the comment's first line can hold the command, so that quoting or discussing it further down does not
trigger the bot. The bot's word and the subcommand are matched case-insensitively; any run of whitespace
(including a non-breaking space) separates words. A subcommand the bot does not know is still addressed to
it, so it parses as `Unknown` and is answered with help, not silence.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "/codellama"
# An unknown word is echoed back in the help reply; a hostile comment must not make that reply huge.
SHOWN_WORD_CHARS = 40


@dataclass(frozen=True)
class Fix:
    instructions: str


@dataclass(frozen=True)
class Retry:
    """Run the last job for this issue or pull request again; instructions, when given, replace the old."""

    instructions: str


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Unknown:
    word: str


Command = Fix | Retry | Stop | Help | Unknown

SUBCOMMANDS = ("fix", "retry", "stop", "help")


def parse_command(body: str | None, prefix: str = DEFAULT_PREFIX) -> Command | None:
    """The command on the comment's first line, or None when the comment does not address the bot.

    Text after `fix` or `retry` on the same line and every later line are the instructions, so
    `/codellama fix use a set` works; `stop` and `help` ignore what follows them.
    """
    if not body:
        return None
    first, _, rest = body.replace("\r\n", "\n").replace("\r", "\n").lstrip().partition("\n")
    words = first.split(maxsplit=2)
    if not words or words[0].casefold() != prefix.casefold():
        return None
    if len(words) == 1:
        return Help()  # the bot addressed with nothing asked: say what it can do
    sub = words[1].casefold()
    inline = words[2].strip() if len(words) == 3 else ""
    instructions = "\n".join(part for part in (inline, rest.strip()) if part)
    if sub == "fix":
        return Fix(instructions)
    if sub == "retry":
        return Retry(instructions)
    if sub == "stop":
        return Stop()
    if sub == "help":
        return Help()
    shown = words[1] if len(words[1]) <= SHOWN_WORD_CHARS else words[1][:SHOWN_WORD_CHARS] + "…"
    return Unknown(shown)
