"""`.github/codellama.yml`: a repository's own setup and test commands, its protected paths, and how the bot
works on it (automatic CI repairs, test edits, rounds, candidates, standing instructions).

A typed model: unknown keys are refused; `setup`, `test` and `protected` each take a string or a list of
strings (an empty value counts as unset); numbers and true/false are never coerced from other types; anything
else is a RepoConfigError naming the key and the line. `max_rounds` and `candidates` can lower the operator's
settings, never raise them (repair_config takes the smaller).
The file comes from a stranger's repository, so it is read within limits (workers/checkout/bounded_yaml.py).
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from core.errors import JobFailed
from workers.checkout import bounded_yaml
from workers.checkout.path_globs import BadGlob, check_globs

CONFIG_PATH = ".github/codellama.yml"
OTHER_SPELLING = ".github/codellama.yaml"
KEYS = (
    "setup",
    "test",
    "protected",
    "auto_fix_ci",
    "allow_test_edits",
    "max_rounds",
    "candidates",
    "instructions",
    "daily_jobs",
    "daily_tokens",
)
# Standing instructions go into every prompt; past this they would crowd out the code.
MAX_INSTRUCTIONS_CHARS = 4_000
# No repository needs more; the operator's settings cap them lower anyway.
MAX_COUNT = 100


class RepoConfigError(JobFailed):
    """The repository's configuration is wrong: one line naming the file, the line and the key."""


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _strings(value: Any) -> tuple[str, ...]:
    """A string or a list of strings; null counts as empty. No coercion: `setup: 5` is an error."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                what = "an empty string" if isinstance(item, str) else _kind(item)
                raise PydanticCustomError("item", "item {index} is {what}", {"index": i + 1, "what": what})
        return tuple(value)
    raise PydanticCustomError("kind", "{what}", {"what": _kind(value)})


def _command(value: Any) -> str | None:
    """The test command: several commands must all pass, in order."""
    commands = _strings(value)
    if not commands:
        return None
    if len(commands) == 1:
        return commands[0]
    return " && ".join(f"( {c} )" for c in commands)


def _globs(value: Any) -> tuple[str, ...]:
    globs = _strings(value)
    try:
        check_globs(globs)
    except BadGlob as exc:
        raise PydanticCustomError("glob", "{why}", {"why": str(exc)}) from None
    return globs


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise PydanticCustomError("kind", "{what}", {"what": _kind(value) if value is not None else "null"})
    return value


def _whole_number(most: int | None) -> Any:
    """A validator for a whole number from 1 to `most` (no upper limit when None); null means the
    operator's setting."""

    def check(value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise PydanticCustomError("kind", "{what}", {"what": _kind(value)})
        if value < 1 or (most is not None and value > most):
            raise PydanticCustomError("kind", "{what}", {"what": str(value)})
        return value

    return check


def _auto_fix(value: Any) -> bool | tuple[str, ...]:
    """true, false, or the branches (globs such as `release/*`) whose red CI the bot repairs by itself."""
    if isinstance(value, bool):
        return value
    if value is None:
        raise PydanticCustomError("kind", "{what}", {"what": "null"})
    branches = _strings(value)
    for glob in branches:
        # git refuses these in any branch name (git check-ref-format), so such a pattern can only be a slip.
        if re.search(r"[\s~^:\\]|[\x00-\x1f\x7f]", glob):
            shown = bounded_yaml.shown(glob)
            why = f"{shown!r} cannot match a branch (branch names have no spaces, ~, ^, : or \\)"
            raise PydanticCustomError("glob", "{why}", {"why": why})
    return branches if branches else False


def _instructions(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PydanticCustomError("kind", "{what}", {"what": _kind(value)})
    if len(value) > MAX_INSTRUCTIONS_CHARS:
        raise PydanticCustomError("kind", "{what}", {"what": f"{len(value):,} characters"})
    return value.strip()


class RepoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    setup: Annotated[tuple[str, ...], BeforeValidator(_strings)] = ()
    test: Annotated[str | None, BeforeValidator(_command)] = None
    protected: Annotated[tuple[str, ...], BeforeValidator(_globs)] = ()
    auto_fix_ci: Annotated[bool | tuple[str, ...], BeforeValidator(_auto_fix)] = True
    allow_test_edits: Annotated[bool, BeforeValidator(_flag)] = False
    max_rounds: Annotated[int | None, BeforeValidator(_whole_number(MAX_COUNT))] = None
    candidates: Annotated[int | None, BeforeValidator(_whole_number(MAX_COUNT))] = None
    instructions: Annotated[str, BeforeValidator(_instructions)] = ""
    daily_jobs: Annotated[int | None, BeforeValidator(_whole_number(None))] = None
    daily_tokens: Annotated[int | None, BeforeValidator(_whole_number(None))] = None

    def fixes_ci_on(self, branch: str) -> bool:
        """Whether a red CI on `branch` is repaired without being asked (commands always work)."""
        if isinstance(self.auto_fix_ci, bool):
            return self.auto_fix_ci
        return any(fnmatch.fnmatchcase(branch, glob) for glob in self.auto_fix_ci)


_EXPECTED = {
    "setup": "a command or a list of commands",
    "test": "a command or a list of commands",
    "protected": "a .gitignore-style pattern or a list of them",
    "auto_fix_ci": "true, false, or a branch pattern or a list of them",
    "allow_test_edits": "true or false",
    "max_rounds": f"a whole number from 1 to {MAX_COUNT}",
    "candidates": f"a whole number from 1 to {MAX_COUNT}",
    "instructions": f"text of at most {MAX_INSTRUCTIONS_CHARS:,} characters",
    "daily_jobs": "a whole number of at least 1",
    "daily_tokens": "a whole number of at least 1",
}


def _describe(error: Any, node: Any, name: str) -> str:
    """One line for pydantic's first error, naming the file, line and key."""
    loc = error["loc"]
    key = str(loc[0]) if loc else ""
    ctx = error.get("ctx") or {}
    if error["type"] == "extra_forbidden":
        line = bounded_yaml.key_line(node, key)
        return f"{name}, line {line}: unknown key `{bounded_yaml.shown(key)}`; the keys are {', '.join(KEYS)}"
    if error["type"] == "item":
        line = bounded_yaml.line_of(node, key, int(ctx["index"]) - 1)
        what = ctx["what"]
        return f"{name}, line {line}: `{key}` item {ctx['index']} must be a non-empty string, not {what}"
    line = bounded_yaml.line_of(node, key)
    if error["type"] == "glob":
        return f"{name}, line {line}: `{key}`: {ctx['why']}"
    return f"{name}, line {line}: `{key}` must be {_EXPECTED.get(key, 'a string')}, not {error['msg']}"


def parse_repo_config(text: str, name: str = CONFIG_PATH) -> RepoConfig:
    """The configuration in `text`, or RepoConfigError naming the file `name`, the line and the key."""
    try:
        data, node = bounded_yaml.load(text)
    except bounded_yaml.BoundedYamlError as exc:
        raise RepoConfigError(f"{name}, {exc}") from None
    if data is None:
        return RepoConfig()
    if not isinstance(data, dict):
        raise RepoConfigError(
            f"{name}, line {bounded_yaml.line_of(node)}: must be a mapping with the keys "
            f"{', '.join(KEYS)}, not {_kind(data)}"
        )
    try:
        return RepoConfig.model_validate(data)
    except ValidationError as exc:
        raise RepoConfigError(_describe(exc.errors()[0], node, name)) from None


def _read_bounded(path: Path, name: str) -> str:
    """The file's text, refusing what is not a regular file (a symlink could point at the worker's key,
    a fifo or /dev/zero would never end) and anything past the size limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise RepoConfigError(f"{name} cannot be read ({exc.strerror}); it must be a plain file") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RepoConfigError(f"{name} must be a plain file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(bounded_yaml.MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > bounded_yaml.MAX_BYTES:
        raise RepoConfigError(f"{name} is larger than {bounded_yaml.MAX_BYTES // 1024} KiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RepoConfigError(f"{name} is not UTF-8 text (byte {exc.start})") from None


def load_repo_config(repo_root: Path) -> RepoConfig:
    """The repository's configuration, or the defaults when it has none."""
    github = repo_root / ".github"
    if github.is_symlink():
        raise RepoConfigError(".github must be a directory of the repository, not a symbolic link")
    path, other = repo_root / CONFIG_PATH, repo_root / OTHER_SPELLING
    present = [p for p in (path, other) if os.path.lexists(p)]
    if len(present) == 2:
        raise RepoConfigError(f"both {CONFIG_PATH} and {OTHER_SPELLING} exist; keep one")
    if not present:
        return RepoConfig()
    name = str(present[0].relative_to(repo_root))
    return parse_repo_config(_read_bounded(present[0], name), name)
