"""Release sources from PyPI for benchmark tasks, downloaded once with pip and cached under bench/.cache/.

A source distribution is preferred. Old ones cannot always have their metadata prepared by today's pip
(scikit-learn 0.20's setup.py needs numpy.distutils), so the fallback is a wheel built for an old CPython,
which holds the same Python modules. Either way this approximates a task's base commit: it is the newest
X.Y.* release, not the exact commit the task was cut from.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
DOWNLOAD_TIMEOUT_S = 600


def fetch_release(name: str, spec: str, dest_root: Path = CACHE / "releases") -> tuple[Path, str] | None:
    """(extracted source tree, what was downloaded) for `name` `spec` (e.g. "==4.2.*"), or None."""
    key = f"{name}{spec}".replace("=", "_").replace("*", "x")
    tree = dest_root / key
    marker = tree / ".fetched-from"
    if marker.is_file():
        return _root_of(tree), marker.read_text().strip()
    archives = dest_root / (key + ".download")
    archives.mkdir(parents=True, exist_ok=True)
    attempts = [
        # Only the package itself as source: `:all:` would also compile its build requirements (Cython...).
        ["--no-binary", name],
        ["--only-binary", ":all:", "--python-version", "3.7", "--implementation", "cp", "--abi", "cp37m",
         "--platform", "manylinux1_x86_64"],
        ["--only-binary", ":all:", "--python-version", "3.6", "--implementation", "cp", "--abi", "cp36m",
         "--platform", "manylinux1_x86_64"],
        ["--only-binary", ":all:", "--python-version", "3.9", "--implementation", "cp", "--abi", "cp39",
         "--platform", "manylinux2014_x86_64"],
        ["--only-binary", ":all:", "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
         "--platform", "manylinux2014_x86_64"],
    ]  # fmt: skip
    for extra in attempts:
        before = set(archives.iterdir())
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(archives), *extra]
        try:
            subprocess.run(
                [*command, f"{name}{spec}"], check=True, capture_output=True, timeout=DOWNLOAD_TIMEOUT_S
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            continue
        new = sorted(set(archives.iterdir()) - before) or sorted(archives.iterdir())
        if not new:
            continue
        archive = new[-1]
        _extract(archive, tree)
        marker.write_text(archive.name + "\n")
        return _root_of(tree), archive.name
    return None


def _extract(archive: Path, tree: Path) -> None:
    tree.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tree)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(tree, filter="data")


def _root_of(tree: Path) -> Path:
    """An sdist unpacks into one top directory (Django-4.2.7/); a wheel unpacks flat."""
    entries = [p for p in tree.iterdir() if p.name != ".fetched-from"]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return tree


def same_file(predicted: str, gold: str) -> bool:
    """Paths match when equal or when one is the other below a prefix (src/ layouts, wheels without src/)."""
    return predicted == gold or gold.endswith("/" + predicted) or predicted.endswith("/" + gold)
