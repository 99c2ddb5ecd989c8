"""Does a changed file still parse? Python with ast; JSON, TOML and YAML with their parsers; other
languages with tree-sitter grammars.

Only errors the edit introduced count: a file that was already broken may stay as broken, not more.
"""

from __future__ import annotations

import ast
import json
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml

from workers.checkout.grammars import parser_for

# Extension -> tree-sitter language (workers/checkout/grammars.py loads it). Headers are parsed as C++,
# which accepts C as well.
_LANGUAGES: dict[str, str] = {
    ".py": "python",
    ".go": "go",
    ".java": "java",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".rs": "rust",
    ".c": "c",
    ".h": "cpp",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
}


def _parser(suffix: str) -> Any | None:
    """None when no grammar is installed: the file is then not checked, rather than the edit refused."""
    language = _LANGUAGES.get(suffix)
    return parser_for(language) if language else None


@dataclass(frozen=True)
class SyntaxProblem:
    """What broke and the first line (1-based) where it shows."""

    detail: str
    line: int


def _python_error(text: str) -> SyntaxProblem | None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return SyntaxProblem(f"{exc.msg} (line {exc.lineno})", exc.lineno or 1)
    except ValueError as exc:  # null bytes
        return SyntaxProblem(str(exc), 1)
    return None


def _data_error(suffix: str, text: str) -> SyntaxProblem | None:
    """JSON, TOML and YAML files (configuration the model may touch) are checked by their own parsers."""
    try:
        if suffix == ".json":
            json.loads(text)
        elif suffix == ".toml":
            tomllib.loads(text)
        else:
            list(yaml.safe_load_all(text))
    except json.JSONDecodeError as exc:
        return SyntaxProblem(f"invalid JSON: {exc.msg} (line {exc.lineno})", exc.lineno)
    except tomllib.TOMLDecodeError as exc:
        return SyntaxProblem(f"invalid TOML: {exc}", 1)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return SyntaxProblem(f"invalid YAML: {getattr(exc, 'problem', None) or exc} (line {line})", line)
    return None


DATA_SUFFIXES = (".json", ".toml", ".yml", ".yaml")


def _tree_errors(suffix: str, text: str) -> list[int] | None:
    """1-based lines of ERROR and MISSING nodes, or None when no grammar is known for the file."""
    parser = _parser(suffix)
    if parser is None:
        return None
    root = parser.parse(text.encode("utf-8")).root_node
    if not root.has_error:
        return []
    lines: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            lines.append(node.start_point[0] + 1)
            continue
        stack.extend(c for c in node.children if c.has_error or c.is_missing)
    return sorted(lines)


def introduced_error(path: str, before: str | None, after: str) -> SyntaxProblem | None:
    """The syntax error the edit introduced, or None when it introduced none."""
    name = path.rsplit("/", 1)[-1]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    suffix = ".py" if suffix == ".pyi" else suffix
    if suffix in DATA_SUFFIXES:
        error = _data_error(suffix, after)
        if error is None or (before is not None and _data_error(suffix, before) is not None):
            return None
        return error
    if suffix == ".py":
        error = _python_error(after)
        if error is None:
            return None
        if before is None or _python_error(before) is None:
            return error
        # The file did not parse before either: compare error counts as for other languages.
    after_errors = _tree_errors(suffix, after)
    if not after_errors:
        return None
    before_errors = _tree_errors(suffix, before) if before is not None else []
    if len(after_errors) <= len(before_errors or []):
        return None
    new = [line for line in after_errors if line not in set(before_errors or [])] or after_errors
    return SyntaxProblem("syntax error near line " + ", ".join(str(n) for n in new[:5]), new[0])
