"""The per-checkout index: files, their symbol chunks, module names, definitions, and a BM25 over chunks."""

from __future__ import annotations

import bisect
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from workers.checkout.files import is_test_path
from workers.checkout.paths import PathPlacer
from workers.retrieval.call_graph import CallGraph
from workers.retrieval.chunks import Chunk, chunk_file
from workers.retrieval.lexical import LexicalIndex, path_terms, tokenize
from workers.retrieval.repo import language_of, read_text, source_files


@dataclass
class FileInfo:
    path: str
    chunks: list[Chunk]  # module chunk first, then definitions in line order
    line_count: int
    starts: list[int] = field(default_factory=list)  # start lines of chunks[1:], for bisect

    def symbol_at(self, line: int) -> Chunk | None:
        """The innermost definition containing `line`, or None when the line is at module level."""
        best: Chunk | None = None
        upto = bisect.bisect_right(self.starts, line)
        for chunk in self.chunks[1 : upto + 1]:
            if chunk.start_line <= line <= chunk.end_line and (best is None or chunk.depth >= best.depth):
                best = chunk
        return best


class RepoIndex:
    """Everything the signals need to know about a checkout, built once per localization."""

    def __init__(self, repo_root: Path, files: list[str], test_paths: list[str] | None = None) -> None:
        self.root = repo_root
        # Test files are known by path but indexed only when the evidence points at them (see add_file).
        self.test_paths = test_paths or []
        self.files: dict[str, FileInfo] = {}
        self.chunks: list[Chunk] = []
        # Last component of a definition's name -> its chunks ("bulk_create" -> [QuerySet.bulk_create, ...]).
        self.definitions: dict[str, list[Chunk]] = defaultdict(list)
        # Dotted module name and each suffix of it -> files ("db.models.query" -> django/db/models/query.py).
        self.modules: dict[str, list[str]] = defaultdict(list)
        documents: list[list[str]] = []
        for path in files:
            self._add(path, documents)
        # The lexical index covers the files given at build time; chunks added later are not searched.
        self.lexical_chunks = list(self.chunks)
        self.lexical = LexicalIndex(documents)
        # Whole files as documents too: a file about the topic as a whole, even when no single
        # function of it matches the words, is still a good candidate.
        by_file: dict[str, list[str]] = defaultdict(list)
        for chunk, terms in zip(self.lexical_chunks, documents, strict=True):
            by_file[chunk.path].extend(terms)
        self.file_order = list(by_file)
        self.file_lexical = LexicalIndex(list(by_file.values()))

    @classmethod
    def build(cls, repo_root: Path) -> RepoIndex:
        """Index the non-test sources; test files are listed for path resolution only."""
        everything = source_files(repo_root, include_tests=True)
        sources = [f for f in everything if not is_test_path(f)]
        return cls(repo_root, sources, [f for f in everything if is_test_path(f)])

    def add_file(self, path: str) -> FileInfo | None:
        """Index one more file (a test the evidence names), without adding it to the lexical search."""
        if path not in self.files and (self.root / path).is_file():
            self._add(path, [])
        return self.files.get(path)

    def _add(self, path: str, documents: list[list[str]]) -> None:
        text = read_text(self.root, path)
        chunks = chunk_file(path, text)
        lines = text.splitlines()
        info = FileInfo(path, chunks, len(lines), [c.start_line for c in chunks[1:]])
        self.files[path] = info
        if path.endswith(".py"):
            parts = path[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            for i in range(len(parts)):
                self.modules[".".join(parts[i:])].append(path)
        file_terms = path_terms(path)
        covered = _covered_lines(chunks, len(lines))
        for chunk in chunks:
            if chunk.symbol is not None:
                self.definitions[chunk.name].append(chunk)
            body = _chunk_text(chunk, lines, covered)
            name_terms = tokenize(chunk.symbol or "") * 2
            documents.append(file_terms + name_terms + tokenize(body))
            self.chunks.append(chunk)

    def resolve_path(self, mentioned: str) -> str | None:
        """The one source or test file a path from a log, an issue or a stack frame means, by the checkout's
        placing rule (workers/checkout/paths.py); None when no file fits or several fit equally well."""
        return self._placer.place(mentioned).path

    @functools.cached_property
    def _placer(self) -> PathPlacer:
        return PathPlacer([*self.files, *self.test_paths])

    def resolve_module(self, dotted: str) -> tuple[str, str] | None:
        """`django.db.models.query.QuerySet.count` -> (django/db/models/query.py, "QuerySet.count")."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            paths = self.modules.get(".".join(parts[:cut])) or self._test_modules().get(".".join(parts[:cut]))
            if paths and len(paths) == 1:
                return paths[0], ".".join(parts[cut:])
        return None

    def prior(self, path: str) -> float:
        """How plausible a file is as the place of a fix before any evidence: the project's own package
        code in its main language is; scripts, examples, docs tooling and other languages' files less so."""
        dominant, packages, share = self._layout
        factor = 1.0
        if language_of(path) != dominant:
            factor *= 0.7
        if dominant == "python" and share >= 0.5 and path.rsplit("/", 1)[0] not in packages:
            factor *= 0.7
        return factor

    @functools.cached_property
    def _layout(self) -> tuple[str | None, set[str], float]:
        """(main language, Python package directories, share of Python files inside packages)."""
        languages = Counter(language_of(p) for p in self.lexical_chunk_files)
        dominant = languages.most_common(1)[0][0] if languages else None
        packages = {p.rsplit("/", 1)[0] for p in self.files if p.endswith("/__init__.py")}
        python = [p for p in self.lexical_chunk_files if p.endswith(".py")]
        inside = sum(1 for p in python if "/" in p and p.rsplit("/", 1)[0] in packages)
        return dominant, packages, inside / len(python) if python else 0.0

    @functools.cached_property
    def call_graph(self) -> CallGraph:
        """The static call graph, built lazily (files are analysed as walks reach them) and kept with the
        index, so every signal of one localization shares one analysis of each file."""
        return CallGraph(self.resolve_module, lambda path: read_text(self.root, path))

    @functools.cached_property
    def lexical_chunk_files(self) -> list[str]:
        return list(dict.fromkeys(c.path for c in self.lexical_chunks))

    @functools.lru_cache(maxsize=1)  # noqa: B019 - one index per localization, freed with it
    def _test_modules(self) -> dict[str, list[str]]:
        """Dotted names of test modules ("admin_views.tests"), for unittest-style test ids."""
        modules: dict[str, list[str]] = defaultdict(list)
        for path in self.test_paths:
            if path.endswith(".py"):
                parts = path[:-3].split("/")
                if parts[-1] == "__init__" and len(parts) > 1:
                    parts = parts[:-1]  # a test package's shared tests live in its __init__
                for i in range(len(parts)):
                    modules[".".join(parts[i:])].append(path)
        return modules


def _covered_lines(chunks: list[Chunk], line_count: int) -> bytearray:
    """Per line: 1 if a function's body owns it, so class and module chunks index only their own lines."""
    owned = bytearray(line_count + 2)
    for chunk in chunks[1:]:
        if chunk.kind == "function":
            owned[chunk.start_line : chunk.end_line + 1] = b"\x01" * (chunk.end_line - chunk.start_line + 1)
    return owned


def _chunk_text(chunk: Chunk, lines: list[str], owned: bytearray) -> str:
    if chunk.kind == "function":
        return "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
    # A class or the module: its own lines only (attributes, docstring, imports), not its methods' bodies,
    # which are chunks of their own.
    return "\n".join(
        lines[i - 1] for i in range(chunk.start_line, min(chunk.end_line, len(lines)) + 1) if not owned[i]
    )
