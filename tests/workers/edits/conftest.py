"""The checkout the edit tests apply answers to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bugs import QUIXBUGS


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """QuixBugs' buggy gcd.py at its upstream path, in a plain directory (applying needs no git)."""
    root = tmp_path / "checkout"
    (root / "python_programs").mkdir(parents=True)
    shutil.copy(QUIXBUGS / "python_programs" / "gcd.py", root / "python_programs" / "gcd.py")
    return root
