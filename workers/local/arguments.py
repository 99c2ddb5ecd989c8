"""Checks for command-line arguments, as argparse `type=` functions: a wrong value is one line that says
what was expected, before any work starts (argparse turns ArgumentTypeError into its usage error)."""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path


def _whole(text: str, least: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected {what}, not {value}")
    return value


def positive_int(text: str) -> int:
    """A count of things: 1 or more."""
    return _whole(text, 1, "a whole number of 1 or more")


def non_negative_int(text: str) -> int:
    return _whole(text, 0, "a whole number of 0 or more")


def port_number(text: str) -> int:
    value = _whole(text, 1, "a TCP port (1-65535)")
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port (1-65535), not {value}")
    return value


def probability(text: str) -> float:
    """A number from 0 to 1 (NaN and infinities are refused: they compare false with everything)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text}")
    return value


def existing_directory(text: str) -> Path:
    """A directory that exists and can be listed (a checkout to read)."""
    path = Path(text)
    if not text or not path.exists():
        raise argparse.ArgumentTypeError(f"{text!r} does not exist; pass the path of a checkout")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a directory; pass the path of a checkout")
    if not os.access(path, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be read (permission denied)")
    return path


def readable_file(text: str) -> Path:
    """A regular file that can be read; '-' (standard input) is left to the caller."""
    path = Path(text)
    if text == "-":
        return path
    if not text or not path.exists():
        raise argparse.ArgumentTypeError(f"{text!r} does not exist")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; pass a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be read (permission denied)")
    return path


def new_file(text: str) -> Path:
    """A file to create: not there yet (nothing is overwritten), in a directory that exists and can be
    written, so a job is not run only to find its record has nowhere to go."""
    path = Path(text)
    if not text:
        raise argparse.ArgumentTypeError("expected the path of a file to write")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; pass the path of a file to create")
    if path.exists() or path.is_symlink():
        raise argparse.ArgumentTypeError(
            f"{text} already exists; pass a new file's path (nothing is overwritten)"
        )
    parent = path.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{parent} is not a directory; create it first")
    try:  # a real file, not os.access: root passes that check on a read-only or virtual file system
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{parent} cannot be written ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return path
