"""The files of a checkout by name, to place a relative path that a runner printed from a subdirectory."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

# Directories that hold installed or generated code, never the repository's own sources.
_SKIP = {"node_modules", "site-packages", "__pycache__", "target", "build", "dist", "venv", "env"}
# Walking stops here; a checkout this large keeps only the files found so far.
MAX_FILES = 200_000


class CheckoutIndex:
    """Repository-relative paths of a checkout's files, by file name; built on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_name: dict[str, list[str]] | None = None

    def place(self, printed: str) -> str | None:
        """The one file of the checkout whose path ends with `printed`; None when there is none or several."""
        path = PurePosixPath(printed)
        tail = "/" + path.as_posix()
        candidates = [c for c in self._index().get(path.name, ()) if ("/" + c).endswith(tail)]
        return candidates[0] if len(candidates) == 1 else None

    def _index(self) -> dict[str, list[str]]:
        if self._by_name is None:
            self._by_name = {}
            count = 0
            for directory, subdirs, files in os.walk(self.root):
                subdirs[:] = [d for d in subdirs if d not in _SKIP and not d.startswith(".")]
                relative = Path(directory).relative_to(self.root).as_posix()
                prefix = "" if relative == "." else relative + "/"
                for name in files:
                    self._by_name.setdefault(name, []).append(prefix + name)
                count += len(files)
                if count >= MAX_FILES:
                    break
        return self._by_name
