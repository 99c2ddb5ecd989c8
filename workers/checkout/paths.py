"""Place a spelled path on the checkout: the one rule for paths in a model's answer, a log, or an issue.

A path reaches the bot spelled in many ways: `a/src/x.py` (diff habit), `.\\src\\x.py` (Windows),
`file:///home/dev/proj/src/x.py`, `/home/runner/other/src/x.py` (another machine), `../../src/x.py`, or just
`x.py`. Each caller keeps its own concern (edits: safety and new files; evidence: CI prefixes and library
markers; retrieval: nothing) and asks this module only which files of the checkout the spelling means.

The rule, on the normalised spelling (forward slashes, no `file://`, no `.` or empty components):

1. A file can only match when it has the spelled file name; its score is the number of trailing path
   components it shares with the spelling (the run).
2. A relative spelling must match in full: every component written is in the file's path. `pkg/__init__.py`
   is not `other/__init__.py`: a directory someone wrote is a fact about the file, not noise.
3. A foreign spelling (absolute, climbing out with leading `..`, or starting at a placeholder such as `~`,
   `$HOME` or `{sys.prefix}`) starts with another machine's or
   directory's location, which says nothing about this checkout, so any trailing run counts, provided it
   holds a directory as well as the name: one bare name like `utils.py` of some other tree on a CI machine
   or in an issue is too weak. Only when the writer can have meant nothing but this checkout (a model asked
   to edit it, `only_this_checkout`) does a run that covers a file's whole path suffice on its own: a file
   at the checkout's top can never show more than its name.
4. The longest run wins. On an equal run, a file whose whole path the spelling ends with wins over one that
   differs in the next component up (for a relative spelling: the exact path wins over a deeper file with
   that suffix, as a path is read from the checkout's top first). Anything still tied is ambiguous: all
   candidates are returned and no guess is made, because a guess between two same-named files is a coin
   flip that edits the wrong file or sends retrieval to the wrong place.
5. `a/` and `b/` are diff prefixes: tried off only when the path as written does not hit a file exactly,
   so a checkout with a real top-level `a/` directory still gets its own files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_DRIVE = re.compile(r"^/?[A-Za-z]:/")
# A first component that stands for a location rather than naming one: `~`, `$HOME`, `%APPDATA%`,
# `{sys.prefix}`, `<venv>`, `...` (people shorten paths in issues so). What follows is another machine's.
_PLACEHOLDER = re.compile(r"^(?:~.*|\$.*|%.*%|\{.*\}|<.*>|\.\.\.+|…)$")
_DIFF_PREFIXES = ("a/", "b/")


@dataclass(frozen=True)
class Spelling:
    """A normalised spelled path: its components, and whether it starts somewhere outside the checkout."""

    parts: tuple[str, ...]
    foreign: bool

    @property
    def text(self) -> str:
        return "/".join(self.parts)


@dataclass(frozen=True)
class Placement:
    """The files of the checkout that best match a spelling: one is a match, several are ambiguous."""

    spelled: str
    matches: tuple[str, ...] = ()

    @property
    def path(self) -> str | None:
        return self.matches[0] if len(self.matches) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.matches) > 1


def normalise(spelled: str) -> Spelling:
    """Forward slashes, no `file://`, no `.` or empty components; a drive, `/`, leading `..` or a leading
    placeholder (`~`, `$HOME`, `{sys.prefix}`) is foreign."""
    text = spelled.strip().replace("\\", "/")
    if text.startswith("file://"):
        text = text[len("file://") :]
    drive = _DRIVE.match(text)
    foreign = text.startswith("/") or drive is not None
    if drive:
        text = text[drive.end() :]
    parts = [p for p in text.split("/") if p not in ("", ".")]
    while parts and (parts[0] == ".." or _PLACEHOLDER.match(parts[0])):
        foreign = True
        parts.pop(0)
    return Spelling(tuple(parts), foreign)


def _without_diff_prefix(path: str) -> str | None:
    """`x` for `a/x` or `b/x`, else None."""
    return path[2:] if path.startswith(_DIFF_PREFIXES) and len(path) > 2 else None


class PathPlacer:
    """The rule of this module over one file list (from workers.checkout.files.checkout_files)."""

    def __init__(self, files: Iterable[str]) -> None:
        self._files: set[str] = set()
        self._by_name: dict[str, list[str]] = {}
        for path in files:
            if path not in self._files:
                self._files.add(path)
                self._by_name.setdefault(path.rsplit("/", 1)[-1], []).append(path)

    def place(self, spelled: str, *, only_this_checkout: bool = False) -> Placement:
        """The best-matching files for `spelled`; `only_this_checkout` lets a foreign path's bare name place a
        top-level file (rule 3)."""
        spelling = normalise(spelled)
        if not spelling.parts:
            return Placement("")
        if spelling.foreign:
            found = self._best(spelling.parts, foreign=True, top_name=only_this_checkout)
            return Placement(spelling.text, found)
        tries = [spelling.text]
        bare = _without_diff_prefix(spelling.text)
        if bare is not None:
            tries.append(bare)
        for text in tries:
            if text in self._files:
                return Placement(text, (text,))
        for text in tries:
            found = self._best(tuple(text.split("/")), foreign=False, top_name=False)
            if found:
                return Placement(text, found)
        return Placement(tries[-1])

    def _best(self, parts: tuple[str, ...], *, foreign: bool, top_name: bool) -> tuple[str, ...]:
        scored: list[tuple[int, bool, str]] = []
        for path in self._by_name.get(parts[-1], ()):
            file_parts = path.split("/")
            run = _common_run(file_parts, parts)
            whole = run == len(file_parts)
            if (run >= 2 or (whole and top_name)) if foreign else run == len(parts):
                scored.append((run, whole, path))
        if not scored:
            return ()
        best = max((run, whole) for run, whole, _ in scored)
        return tuple(sorted(path for run, whole, path in scored if (run, whole) == best))


def _common_run(a: list[str], b: tuple[str, ...]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n
