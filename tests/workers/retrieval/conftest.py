"""The QuixBugs checkout the localization tests rank: real programs, their real tests and test data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bugs import QUIXBUGS


def copy_quixbugs(root: Path, *, with_conftest: bool = True) -> Path:
    """The buggy QuixBugs programs and their pytest tests under `root`, laid out as upstream does."""
    for folder in ("python_programs", "python_testcases", "json_testcases"):
        shutil.copytree(QUIXBUGS / folder, root / folder)
    if with_conftest:
        shutil.copy(QUIXBUGS / "conftest.py", root / "conftest.py")
    return root


@pytest.fixture
def quix(tmp_path: Path) -> Path:
    """A copy of its own for each test: some run QuixBugs' tests in it or write files beside them."""
    return copy_quixbugs(tmp_path)
