"""After a sandboxed run: remove what the code left that would turn the worker's next step against the host.

The worker, as root, goes on to run git in the workspace and to write the model's edits into it; both would
act on whatever the tests left there. Runs when none of the run's processes is left, so nothing races it.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

GIT_TIMEOUT_S = 60


def clean_after_run(workspace: Path) -> list[Path]:
    """Remove, and return:

    - every `.git` the worker did not make. A repository the tests create inside the checkout is harmless
      while untracked, but once staged (`git add -A`) the worker's `git status` runs `git status` inside it
      with GIT_DIR set, which skips git's ownership check and executes its `core.fsmonitor` as root;
    - every symlink the code made that leads outside the workspace from a path the repository tracks (or a
      directory on the way to one): `calc.py -> /root/.bashrc` would send the model's next edit of calc.py,
      written as root, into root's profile. Symlinks elsewhere stay: a virtualenv's `bin/python` is one.
    """
    worker = os.geteuid()
    inside = os.path.realpath(workspace)
    removed: list[Path] = []
    repo_tops: list[Path] = []
    escaping: list[Path] = []
    for root, dirs, files, root_fd in os.fwalk(workspace, follow_symlinks=False):
        if ".git" in dirs:
            dirs.remove(".git")  # never descend into git metadata, the worker's or not
            files.append(".git")
        for name in dirs + files:
            st = os.stat(name, dir_fd=root_fd, follow_symlinks=False)
            if name == ".git" and st.st_uid == worker:
                repo_tops.append(Path(root))
            elif name == ".git":
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(name, dir_fd=root_fd)
                else:
                    os.unlink(name, dir_fd=root_fd)
                removed.append(Path(root, name))
            elif stat.S_ISLNK(st.st_mode) and st.st_uid != worker and not _leads_inside(root, name, inside):
                escaping.append(Path(root, name))
    if escaping:
        guarded = _tracked_paths(repo_tops)
        for link in escaping:
            if guarded is None or link in guarded:
                link.unlink()
                removed.append(link)
    return removed


def _leads_inside(root: str, name: str, inside: str) -> bool:
    target = os.path.realpath(os.path.join(root, name))
    return target == inside or target.startswith(inside + os.sep)


def _tracked_paths(repo_tops: list[Path]) -> set[Path] | None:
    """Every path the worker's repositories track, and every directory leading to one; None if git fails
    (then every escaping symlink goes: safety over the tests' convenience)."""
    paths: set[Path] = set()
    for top in repo_tops:
        try:
            # The index, not the work tree: nothing here reads files the tests wrote, or runs their config.
            done = subprocess.run(
                ["git", "-c", "core.fsmonitor=false", "ls-files", "-z", "--cached"],
                cwd=top,
                capture_output=True,
                timeout=GIT_TIMEOUT_S,
                check=True,
                env={"PATH": os.defpath},
            )
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("git ls-files in %s failed (%s); removing every escaping symlink", top, exc)
            return None
        for rel in done.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
            if rel:
                path = top / rel
                paths.add(path)
                paths.update(p for p in path.parents if top in p.parents)
    return paths
