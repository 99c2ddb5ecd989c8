"""Path globs with .gitignore's rules (through pathspec), for `protected:` and the always-protected CI files.

As in .gitignore: a pattern without a slash (but a trailing one) matches a name at any depth; one with a
slash is anchored at the repository root; `**` crosses directories and `*` does not; a pattern ending in
`/` matches a directory and everything below it; `!pattern` takes a path back out; `#` starts a comment.
"""

from __future__ import annotations

from functools import lru_cache

from pathspec import GitIgnoreSpec


class BadGlob(ValueError):
    """A pattern .gitignore would not accept either."""


@lru_cache(maxsize=256)
def _spec(globs: tuple[str, ...]) -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines(globs)


def check_globs(globs: tuple[str, ...]) -> None:
    """Raise BadGlob naming the first pattern that is not a valid gitignore pattern."""
    for glob in globs:
        try:
            GitIgnoreSpec.from_lines([glob])
        except ValueError as exc:  # pathspec's pattern errors are ValueErrors (its names vary by version)
            raise BadGlob(f"{glob[:60]!r} is not a valid .gitignore-style pattern") from exc


def matching_glob(path: str, globs: tuple[str, ...]) -> str | None:
    """The pattern that decides that `path` matches (the last matching one, as in .gitignore), or None
    when no pattern matches or a `!` pattern takes it back out. Invalid patterns raise BadGlob."""
    if not globs:
        return None
    try:
        spec = _spec(globs)
    except ValueError:
        check_globs(globs)
        raise
    result = spec.check_file(path.removeprefix("./"))
    if not result.include or result.index is None:
        return None
    return globs[result.index]
