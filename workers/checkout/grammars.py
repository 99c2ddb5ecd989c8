"""Tree-sitter parsers by language name, loaded without the network, for every stage that reads code.

tree-sitter-language-pack >= 1.0 downloads grammars on first use; offline that fails, so a grammar the pack
has already downloaded is used, else the per-language wheel (`tree_sitter_javascript`, ...), else None: the
caller then treats the file as unparsable (no chunks, no syntax check) rather than failing.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any


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
        module = importlib.import_module(f"tree_sitter_{'typescript' if language == 'tsx' else language}")
        factory = getattr(module, f"language_{language}", None) or module.language
        return tree_sitter.Parser(tree_sitter.Language(factory()))
    except Exception:  # a missing wheel, or one built for another tree-sitter ABI
        return None
