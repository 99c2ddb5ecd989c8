"""`locate --test` runs the repository's tests as `fix` does: in the sandbox, on a copy of the checkout.

A copy, because the sandbox hands its workspace to the sandbox user (chown) and the tests write into it
(caches, .benchmarks, coverage files): the user's checkout must keep its owners and its contents.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import UsageError
from core.settings import Settings
from workers.runners.process import CommandRunner
from workers.runners.sandbox import make_runner


def _special_files(directory: str, names: list[str]) -> list[str]:
    """Sockets, FIFOs and devices: copying a FIFO would block forever; tests do not need them."""
    skipped = []
    for name in names:
        try:
            mode = os.lstat(os.path.join(directory, name)).st_mode
        except OSError:
            continue  # vanished meanwhile; copytree reports what it cannot copy
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            skipped.append(name)
    return skipped


def copy_checkout(source: Path, dest: Path) -> None:
    """Copy a checkout (with .git; symlinks stay symlinks, never followed out of it)."""
    try:
        shutil.copytree(source, dest, symlinks=True, ignore=_special_files)
    except shutil.Error as exc:
        first = exc.args[0][0] if exc.args and exc.args[0] else ("?", "?", str(exc))
        raise UsageError(
            f"cannot copy {source} to run its tests in the sandbox: {first[0]}: {first[2]}; "
            "make it readable, or run locate without --test"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot copy {source} to run its tests in the sandbox: {exc.strerror or exc}; "
            "check the space in the temporary directory, or run locate without --test"
        ) from None


@contextmanager
def sandboxed_copy(settings: Settings, checkout: Path) -> Iterator[tuple[Path, CommandRunner]]:
    """A copy of `checkout` and the runner `fix` would use for it, removed afterwards.

    Raises SandboxUnavailable (before copying anything) where `fix` would refuse to run the tests too.
    """
    scratch = Path(tempfile.mkdtemp(prefix="codellama-locate-"))
    try:
        runner = make_runner(settings, scratch)
        copy = scratch / "repo"
        copy_checkout(checkout, copy)
        yield copy, runner
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
