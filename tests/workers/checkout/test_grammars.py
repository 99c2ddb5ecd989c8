"""One tree-sitter loader serves the syntax check and the chunker; an unknown language is None."""

from __future__ import annotations

import pytest

from workers.checkout.grammars import parser_for


@pytest.mark.parametrize(
    "language", ["python", "javascript", "typescript", "tsx", "go", "java", "rust", "c", "cpp"]
)
def test_installed_grammars_parse(language: str) -> None:
    parser = parser_for(language)
    assert parser is not None, f"tree_sitter_{language} wheel missing"
    assert parser.parse(b"x").root_node is not None
    assert parser_for(language) is parser  # cached: one parser per language per process


def test_an_unknown_language_has_no_parser() -> None:
    assert parser_for("cobol") is None
