"""Checks for command-line arguments, as argparse `type=` functions: a wrong value is one line that says
what was expected, before any work starts (argparse turns ArgumentTypeError into its usage error)."""

from __future__ import annotations

import argparse
import math
import os
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
