"""Split a source file into symbol-level chunks: functions and classes, plus the module's own top level.

Python goes through `ast` (exact, fast); other languages through tree-sitter when a grammar is available here,
and through a brace-matching outline otherwise, so a missing grammar degrades ranking instead of failing it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from workers.retrieval import treesitter
from workers.retrieval.repo import language_of


@dataclass(frozen=True)
class Chunk:
    """One symbol of a file. Lines are 1-based and inclusive; `start_line` includes decorators."""

    path: str
    symbol: str | None  # qualified, e.g. "QuerySet.bulk_create"; None for the module's top-level code
    kind: str  # "function", "class" or "module"
    start_line: int
    end_line: int
    signature_end: int  # last line of the def/class header, for outlines
    depth: int = 0  # 0 for top-level definitions, 1 for methods, ...

    @property
    def name(self) -> str:
        return (self.symbol or "").rsplit(".", 1)[-1]


def chunk_file(path: str, text: str) -> list[Chunk]:
    """Chunks of one file, in line order, with the module chunk first."""
    lines = text.count("\n") + 1
    module = Chunk(path, None, "module", 1, lines, 1)
    language = language_of(path)
    defs: list[Chunk] | None = None
    if language == "python":
        defs = python_chunks(path, text)
    elif language is not None:
        defs = treesitter.chunks(path, text, language, Chunk)
    if defs is None:
        defs = outline_chunks(path, text, python=language == "python")
    return [module, *sorted(defs, key=lambda c: (c.start_line, c.depth))]


def python_chunks(path: str, text: str) -> list[Chunk] | None:
    """Functions and classes via ast; nested functions stay inside their parent. None on a syntax error."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # RecursionError: nesting deep enough to exhaust the parser (generated or hostile code).
        return None
    lines = text.splitlines()
    found: list[Chunk] = []

    def visit(body: list[ast.stmt], prefix: str, depth: int) -> None:
        for node in body:
            if isinstance(node, (ast.If, ast.Try)):
                # Definitions under `if TYPE_CHECKING:` / `try: ... except ImportError:` are still top level.
                for block in (node.body, node.orelse, getattr(node, "finalbody", [])):
                    visit(block, prefix, depth)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body, prefix, depth)
                continue
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            symbol = f"{prefix}{node.name}"
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            found.append(Chunk(path, symbol, kind, start, end, _header_end(node, lines), depth))
            if isinstance(node, ast.ClassDef):
                visit(node.body, symbol + ".", depth + 1)

    visit(tree.body, "", 0)
    return found


def _header_end(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, lines: list[str]) -> int:
    """The line holding the header's closing colon (headers may span lines)."""
    first_body = node.body[0].lineno if node.body else node.lineno
    # A docstring or statement on the header line itself (`def f(): pass`) ends the header there.
    if first_body == node.lineno:
        return node.lineno
    line = node.lineno
    while line < first_body - 1:
        code = lines[line - 1].split("#", 1)[0].rstrip()
        if code.endswith(":"):
            break
        line += 1
    return line


_PY_DEF = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+(\w+)")
_BRACE_DEF = re.compile(
    r"^(\s*)(?:export\s+|public\s+|private\s+|protected\s+|static\s+|async\s+|pub(?:\(\w+\))?\s+|abstract\s+|final\s+)*"
    r"(?:(function\*?|class|interface|struct|enum|trait|impl|func|fn|def|module)\s+(?:\([^)]*\)\s*)?([\w.]+)"
    r"|[\w<>\[\],.? ]+?\s+(\w+)\s*\([^;]*\)\s*(?:throws [\w., ]+)?\{)"
)


_CONTROL_WORDS = {"if", "for", "while", "switch", "catch", "return", "else", "do", "try", "sizeof", "new"}


def outline_chunks(path: str, text: str, *, python: bool = False) -> list[Chunk]:
    """Definitions found by indentation (Python) or brace matching (C-like languages), without a parser."""
    lines = text.splitlines()
    found: list[Chunk] = []
    for index, raw in enumerate(lines):
        match = (_PY_DEF if python else _BRACE_DEF).match(raw)
        if not match:
            continue
        indent = len(match.group(1).expandtabs())
        if python:
            kind, name = ("class" if match.group(2) == "class" else "function"), match.group(3)
            end = _indent_end(lines, index, indent)
        else:
            keyword = match.group(2) or ""
            name = match.group(3) or match.group(4)
            if name in _CONTROL_WORDS:
                continue  # `} else if (x) {` looks like a method declaration to the pattern above
            kind = (
                "class"
                if keyword in {"class", "interface", "struct", "enum", "trait", "impl", "module"}
                else "function"
            )
            end = _brace_end(lines, index)
        found.append(Chunk(path, name, kind, index + 1, end, index + 1, indent // 4))
    return found


def _indent_end(lines: list[str], start: int, indent: int) -> int:
    end = start
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if len(lines[index]) - len(lines[index].lstrip()) <= indent:
            break
        end = index
    return end + 1


def _brace_end(lines: list[str], start: int) -> int:
    """Line where the braces opened on or after `start` balance again; the start line if none open."""
    depth = 0
    opened = False
    for index in range(start, min(len(lines), start + 5000)):
        # Strings and comments can hold braces; good enough for an outline, the parser path is exact.
        for char in lines[index]:
            if char == "{":
                depth += 1
                opened = True
            elif char == "}":
                depth -= 1
        if opened and depth <= 0:
            return index + 1
        if not opened and lines[index].rstrip().endswith(";"):
            return index + 1
    return start + 1
