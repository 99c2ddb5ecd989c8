"""Parsing the `/codellama fix` command out of a comment body. Pure logic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FixCommand:
    instructions: str


def parse_fix_command(body: str | None, prefix: str = "/codellama fix") -> FixCommand | None:
    """The command only counts on the comment's first line; anything after it is instructions.

    Text after the command on the same line counts too, so `/codellama fix use a set` works.
    """
    if not body:
        return None
    first, _, rest = body.replace("\r\n", "\n").lstrip().partition("\n")
    first = first.strip()
    if first != prefix and not first.startswith(prefix + " "):
        return None
    inline = first[len(prefix) :].strip()
    instructions = "\n".join(part for part in (inline, rest.strip()) if part)
    return FixCommand(instructions=instructions)
