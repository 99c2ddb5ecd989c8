"""Tree-sitter parsers by language name, loaded without the network, for every stage that reads code.

tree-sitter-language-pack >= 1.0 downloads grammars on first use; offline that fails, so a grammar the pack
has already downloaded is used, else the per-language wheel (`tree_sitter_javascript`, ...), else None: the
caller then treats the file as unparsable (no chunks, no syntax check) rather than failing.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

# The per-language wheels pyproject.toml declares, by language name. Named in full (not built from the
# language name) so that what is loaded is what is declared.
GRAMMAR_WHEELS = {
    "c": "tree_sitter_c",
    "cpp": "tree_sitter_cpp",
    "go": "tree_sitter_go",
    "java": "tree_sitter_java",
    "javascript": "tree_sitter_javascript",
    "python": "tree_sitter_python",
    "rust": "tree_sitter_rust",
    "typescript": "tree_sitter_typescript",
    "tsx": "tree_sitter_typescript",
}


@cache
def parser_for(language: str) -> Any | None:
    """A parser for `language` ("python", "javascript", "typescript", "tsx", "cpp", ...), or None."""
    try:
        import tree_sitter_language_pack as pack

        if language in pack.downloaded_languages():
            return pack.get_parser(language)
    except Exception:  # the pack raises its own error types for a missing or undownloadable grammar
        pass
    try:
        import tree_sitter

        # TSX ships inside the TypeScript wheel as language_tsx(), TypeScript as language_typescript().
        module = importlib.import_module(GRAMMAR_WHEELS[language])
        factory = getattr(module, f"language_{language}", None) or module.language
        return tree_sitter.Parser(tree_sitter.Language(factory()))
    except Exception:  # a missing wheel, or one built for another tree-sitter ABI
        return None
