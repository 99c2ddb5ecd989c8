"""Reading the prose around edits: fenced blocks, and the file path a model writes before an edit."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE_OPEN = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*(.*)$")
# Code Llama - Instruct was trained with code between [PYTHON] and [/PYTHON] tags, and still writes them.
_TAG_OPEN = re.compile(
    r"^\s*\[(PYTHON|JAVA|CPP|C|GO|RUST|JS|JAVASCRIPT|TYPESCRIPT|CODE)\]\s*$", re.IGNORECASE
)
_TAG_CLOSE = re.compile(
    r"^\s*\[/(PYTHON|JAVA|CPP|C|GO|RUST|JS|JAVASCRIPT|TYPESCRIPT|CODE)\]\s*$", re.IGNORECASE
)
# A path written as the first line of a code block, as a comment: "# src/x.py", "// File: src/x.go".
_PATH_COMMENT = re.compile(
    r"^\s*(?:#|//|--|/\*|<!--)\s*(?:file(?:name)?\s*:\s*)?(\S+?)\s*(?:\*/|-->)?\s*$", re.I
)
_PATH_TOKEN = re.compile(r"^[\w.@+\-/\\:]*[\w\-]$")
_BACKTICKED = re.compile(r"`([^`\s]+)`")
# Files whose names carry no extension but are still plainly file names.
_BARE_NAMES = {"Makefile", "Dockerfile", "Jenkinsfile", "Gemfile", "Rakefile", "Procfile", "LICENSE"}
_LANG_WORDS = {
    "python",
    "py",
    "diff",
    "patch",
    "udiff",
    "go",
    "java",
    "js",
    "javascript",
    "ts",
    "typescript",
    "cpp",
    "c++",
    "c",
    "rust",
    "rs",
    "text",
    "txt",
    "bash",
    "sh",
    "shell",
    "console",
    "yaml",
    "json",
}
# A label is a whole word followed by a real separator (a colon, or spaces), so that the "in" of
# "inflection/__init__.py" or the "file" of "filelock/" is never taken for one. Longer words first.
_LABELS = re.compile(
    r"^(?:new file|filename|file|path|updated|update|modified|edit|create|in)(?:\s*:\s*|\s+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Fence:
    """A fenced block: the opening line, the closing line (len(lines) if never closed), its info string."""

    open: int
    close: int
    info: str


def find_fences(lines: list[str]) -> list[Fence]:
    fences = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        tag = _TAG_OPEN.match(lines[i])
        if not m and not tag:
            i += 1
            continue
        close = len(lines)
        if tag:
            info = tag.group(1).lower()
            close = next((j for j in range(i + 1, len(lines)) if _TAG_CLOSE.match(lines[j])), close)
        else:
            assert m is not None
            marker, info = m.group(1), m.group(2).strip()
            for j in range(i + 1, len(lines)):
                stripped = lines[j].strip()
                if stripped and set(stripped) == {marker[0]} and len(stripped) >= len(marker):
                    close = j
                    break
        fences.append(Fence(i, close, info))
        i = close + 1
    return fences


def is_fence_line(line: str) -> bool:
    return bool(_FENCE_OPEN.match(line) or _TAG_OPEN.match(line) or _TAG_CLOSE.match(line))


def looks_like_path(token: str) -> bool:
    if not token or len(token) > 300 or token.lower() in _LANG_WORDS:
        return False
    if not _PATH_TOKEN.match(token) or token.endswith(":"):
        return False
    name = token.replace("\\", "/").rsplit("/", 1)[-1]
    return "." in name.strip(".") or "/" in token or name in _BARE_NAMES


def path_from_line(line: str) -> str | None:
    """The path on a line like `src/x.py`, **src/x.py**, ### File: src/x.py, or "In `src/x.py`:"."""
    text = line.strip()
    if not text or is_fence_line(text):
        return None
    quoted = [t for t in _BACKTICKED.findall(text) if looks_like_path(t.rstrip(":"))]
    if len(quoted) == 1:
        return quoted[0].rstrip(":")
    text = text.lstrip("#>*-+ ").strip().strip("*_`").strip()
    text = _LABELS.sub("", text).strip().strip("*_`").rstrip(":").strip().strip("*_`")
    if " " in text:
        return None
    return text if looks_like_path(text) else None


def path_from_info(info: str) -> str | None:
    """The path in a fence's info string: ```python:src/x.py, ```src/x.py, ```python src/x.py, or
    ```python title="src/x.py"."""
    for part in re.split(r"[\s:]+", info.strip()):
        part = re.sub(r"^(?:title|file(?:name)?|path)=", "", part).strip("\"'")
        if looks_like_path(part) and ("/" in part or "." in part or part in _BARE_NAMES):
            return part
    return None


def path_from_comment(line: str) -> str | None:
    """The path in a comment that opens a code block ("# src/x.py"), if it names one."""
    m = _PATH_COMMENT.match(line)
    if not m:
        return None
    token = m.group(1)
    return token if looks_like_path(token) and ("/" in token or "." in token.strip(".")) else None


def path_before(lines: list[str], index: int) -> str | None:
    """The path named just before line `index`: the nearest non-blank line, or an opening fence's info
    string together with the line before that fence."""
    i = index - 1
    while i >= 0 and not lines[i].strip():
        i -= 1
    if i >= 0 and is_fence_line(lines[i]):
        m = _FENCE_OPEN.match(lines[i])
        from_info = path_from_info(m.group(2)) if m else None
        if from_info:
            return from_info
        i -= 1
        while i >= 0 and not lines[i].strip():
            i -= 1
    if i < 0:
        return None
    return path_from_line(lines[i])
