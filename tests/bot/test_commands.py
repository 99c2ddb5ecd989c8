"""`/codellama <subcommand>` parsed from real and hostile comment shapes: one table, one parser."""

from __future__ import annotations

import pytest

from bot.commands import SHOWN_WORD_CHARS, Command, Fix, Help, Retry, Stop, Unknown, parse_command

LONG = "x" * 70_000  # longer than GitHub's 65,536-character comment limit


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("/codellama fix", Fix("")),
        ("/codellama fix\r\n", Fix("")),
        ("  /codellama fix\nthe off-by-one is in bitcount", Fix("the off-by-one is in bitcount")),
        ("/codellama fix use a set\nand keep the order", Fix("use a set\nand keep the order")),
        ("/codellama fix use a set\r\nand keep\r\nthe order\r\n", Fix("use a set\nand keep\nthe order")),
        ("/codellama fix\rold Mac line ends", Fix("old Mac line ends")),
        ("/CodeLlama FIX", Fix("")),
        ("/codellama    fix     spaced   out  ", Fix("spaced   out")),
        ("/codellama\tfix\ttabs", Fix("tabs")),
        ("/codellama\u00a0fix\u00a0after a no-break space", Fix("after a no-break space")),
        ("\n\n/codellama fix after blank lines", Fix("after blank lines")),
        ("/codellama fix ünïcödé ✓ instructions", Fix("ünïcödé ✓ instructions")),
        (f"/codellama fix {LONG}", Fix(LONG)),
        ("/codellama retry", Retry("")),
        ("/codellama Retry with a stack\nand tests", Retry("with a stack\nand tests")),
        ("/codellama stop", Stop()),
        ("/codellama STOP please, it is wrong\nmore text", Stop()),
        ("/codellama help", Help()),
        ("/codellama help me", Help()),
        ("/codellama", Help()),
        ("/codellama   \r\n", Help()),
        ("/codellama fixit", Unknown("fixit")),
        ("/codellama fixed it already", Unknown("fixed")),
        ("/codellama ｆｉｘ", Unknown("ｆｉｘ")),  # fullwidth letters are not the word `fix`
        ("/codellama f\u200bix", Unknown("f\u200bix")),  # nor is one with a zero-width space inside
        (f"/codellama {LONG}", Unknown("x" * SHOWN_WORD_CHARS + "…")),
    ],
)
def test_commands_on_the_first_line(body: str, command: Command) -> None:
    assert parse_command(body) == command


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "   \r\n  ",
        "Please /codellama fix this",  # not at the start of the first line
        "looks good\n/codellama fix",  # only the first line counts
        "> /codellama fix\nquoted in a reply",
        "/codellamafix",  # glued: a different word
        "/codellama-fix",
        "/codellama\u200b fix",  # a zero-width space makes it a different word
        "codellama fix",
        "/codelama fix",
        f"/codellama{LONG}",
    ],
)
def test_anything_else_does_not_address_the_bot(body: str | None) -> None:
    assert parse_command(body) is None


def test_a_configured_prefix_replaces_the_word() -> None:
    assert parse_command("/llama stop", prefix="/llama") == Stop()
    assert parse_command("/codellama stop", prefix="/llama") is None
