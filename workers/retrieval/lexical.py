"""BM25 over symbol-level chunks, with a tokenizer that understands identifiers and paths."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import bm25s
import numpy as np

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# Words that occur in nearly every issue or nearly every Python file; they only add noise to the scores.
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "too",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "should",
        "self",
        "cls",
        "def",
        "return",
        "none",
        "true",
        "false",
        "class",
        "import",
        "pass",
        "elif",
        "else",
        "try",
        "except",
        "raise",
        "lambda",
        "yield",
        "assert",
        "del",
        "global",
        "nonlocal",
        "args",
        "kwargs",
        "also",
        "just",
        "use",
        "using",
        "used",
        "get",
        "set",
        "new",
        "like",
        "one",
        "two",
        "here",
        "however",
        "way",
        "want",
        "see",
        "would",
        "some",
        "any",
        "all",
        "more",
        "most",
        "only",
        "very",
        "e",
        "g",
        "ie",
        "eg",
        "etc",
    )
)


def split_identifier(word: str) -> list[str]:
    """`bulk_create` -> bulk, create; `HTTPResponseRedirect` -> http, response, redirect."""
    parts: list[str] = []
    for piece in word.split("_"):
        parts.extend(p.lower() for p in _CAMEL.findall(piece))
    return parts


def tokenize(text: str) -> list[str]:
    """Lower-case terms: each identifier whole (if compound) and its parts, minus stop words and 1-letters."""
    terms: list[str] = []
    # Expanding each distinct word once (Counter runs in C) is several times faster on large files.
    for word, count in Counter(_WORD.findall(text)).items():
        expanded = _expand(word)
        terms.extend(expanded * count if count > 1 else expanded)
    return terms


@functools.lru_cache(maxsize=200_000)
def _expand(word: str) -> tuple[str, ...]:
    # Cached: a large repository repeats the same few tens of thousands of identifiers millions of times.
    lowered = word.lower().strip("_")
    parts = split_identifier(word)
    terms = [lowered] if len(parts) > 1 and lowered not in STOPWORDS else []
    terms.extend(p for p in parts if len(p) > 1 and p not in STOPWORDS)
    return tuple(terms)


def path_terms(path: str) -> list[str]:
    """Terms of a file path, so that an issue saying "autodetector" or "migrations" finds the file."""
    stem = path.rsplit(".", 1)[0]
    return tokenize(stem.replace("/", " "))


class LexicalIndex:
    """BM25 over documents given as term lists; scores come back for every document, in index order."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        self.size = len(documents)
        self._bm25 = bm25s.BM25()
        # bm25s cannot index a corpus without a single term (max() of an empty vocabulary): an empty
        # repository, or one whose files hold only one-letter names and stop words, simply scores nothing.
        self._empty = not any(documents)
        if not self._empty:
            self._bm25.index(list(documents), show_progress=False)

    def scores(self, query_terms: Iterable[str]) -> np.ndarray:
        terms = list(dict.fromkeys(query_terms))
        if self._empty or not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
