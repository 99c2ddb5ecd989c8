"""The `/codellama fix` command, parsed from real comment shapes."""

from __future__ import annotations

import pytest

from bot.commands import parse_fix_command


@pytest.mark.parametrize(
    ("body", "instructions"),
    [
        ("/codellama fix", ""),
        ("/codellama fix\r\n", ""),
        ("  /codellama fix\nthe off-by-one is in bitcount", "the off-by-one is in bitcount"),
        ("/codellama fix use a set\nand keep the order", "use a set\nand keep the order"),
    ],
)
def test_command_on_first_line_with_instructions(body: str, instructions: str) -> None:
    command = parse_fix_command(body)
    assert command is not None
    assert command.instructions == instructions


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "Please /codellama fix this",  # not at the start of the first line
        "looks good\n/codellama fix",  # only the first line counts
        "/codellama fixed it already",  # a different word
        "/codellama",
    ],
)
def test_anything_else_is_not_a_command(body: str | None) -> None:
    assert parse_fix_command(body) is None
