"""Write an answer's changed files all together, restoring every one if any write fails."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from workers.edits.records import Refused


def _put(root: Path, path: str, text: str | None) -> None:
    target = root / path
    if text is None:
        target.unlink(missing_ok=True)
        return
    if target.is_symlink():
        # Checked when the path was resolved; checked again because the tree may have changed since.
        raise Refused(f"{path} became a symbolic link while the edit was being applied")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Bytes, not text mode: the content already carries the file's own line endings.
    target.write_bytes(text.encode("utf-8"))


def write_atomically(root: Path, new: dict[str, str | None], old: dict[str, str | None]) -> None:
    """Write `new` (None = delete); on any failure put back `old` for the files written so far and raise."""
    done: list[str] = []
    try:
        for path, text in new.items():
            done.append(path)
            _put(root, path, text)
    except (OSError, Refused) as exc:
        for path in done:
            with contextlib.suppress(OSError, Refused):
                _put(root, path, old[path])
        _remove_empty_dirs(root, done)
        reason = exc.reason if isinstance(exc, Refused) else f"writing the edited files failed: {exc}"
        raise Refused(reason) from exc


def _remove_empty_dirs(root: Path, paths: list[str]) -> None:
    for path in paths:
        parent = (root / path).parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            os.rmdir(parent)
            parent = parent.parent
