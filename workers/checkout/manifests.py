"""What the conventions look at, read from a checkout and the worker within limits: file names at the
root and one level down, the few manifests whose text matters, the programs and Python interpreters
installed. The I/O half of conventions.py; the files come from a stranger's repository."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import sysconfig
from pathlib import Path

from workers.checkout.conventions import Seen
from workers.checkout.files import is_skipped_dir
from workers.checkout.python_conventions import Interpreter

# The manifests whose contents decide something; the rest count by name only.
READ = ("package.json", "pyproject.toml", "setup.cfg")
MAX_MANIFEST_BYTES = 1024 * 1024
# A root this crowded is listed only so far: the manifests sit at the top anyway.
MAX_NAMES = 5_000
TOOLS = ("poetry", "uv", "pdm", "hatch", "tox", "nox")
_PYTHON_NAME = re.compile(r"^python3\.(\d+)$")


def seen_in(root: Path) -> Seen:
    files = _names(root)
    texts: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    for name in READ:
        if name in files:
            try:
                texts[name] = read_bounded(root / name)
            except ValueError as exc:
                unreadable[name] = str(exc)
    return Seen(frozenset(files), texts, unreadable, installed_tools())


def installed_tools(search: str | None = None) -> frozenset[str]:
    """The Python project tools the worker has: beside its own interpreter first (`pip install
    codellama-bot[toolchains]` puts them there, a directory the sandbox sees and puts first on PATH), then
    on PATH."""
    if search is None:
        search = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    return frozenset(t for t in TOOLS if shutil.which(t, path=search))


def _names(root: Path) -> set[str]:
    names: set[str] = set()
    with os.scandir(root) as top:
        for entry in top:
            if len(names) >= MAX_NAMES:
                break
            names.add(entry.name)
            if entry.is_dir(follow_symlinks=False) and not is_skipped_dir(entry.name):
                with os.scandir(entry.path) as sub:
                    for i, child in enumerate(sub):
                        if i >= MAX_NAMES // 10:
                            break
                        names.add(f"{entry.name}/{child.name}")
    return names


def read_bounded(path: Path) -> str:
    """The file's UTF-8 text; ValueError saying why not (a symlink, a fifo, too large, not UTF-8)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror}); it must be a plain file") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("must be a plain file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ValueError(f"is larger than {MAX_MANIFEST_BYTES // 1024} KiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 text (byte {exc.start})") from None


def interpreters(python: str = sys.executable) -> tuple[Interpreter, ...]:
    """`python` (the worker's, first) and every other python3.N on PATH, by the version its name gives."""
    found = [Interpreter(python, tuple(sys.version_info[:3]), worker=True)]  # type: ignore[arg-type]
    seen_versions = {sys.version_info[:2]}
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            names = sorted(os.listdir(directory or "."))
        except OSError:
            continue
        for name in names:
            match = _PYTHON_NAME.match(name)
            version = (3, int(match.group(1))) if match else None
            if version is None or version in seen_versions:
                continue
            path = os.path.join(directory, name)
            if os.access(path, os.X_OK) and _is_program(path):
                seen_versions.add(version)
                found.append(Interpreter(path, (*version, 0)))
    return tuple(found)


def _is_program(path: str) -> bool:
    """A real interpreter, not a launcher script: a pyenv shim says `python3.13` whether or not that version
    is installed, and it calls pyenv, which the sandbox does not have."""
    try:
        with open(os.path.realpath(path), "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False
