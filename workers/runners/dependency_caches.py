"""Per-repository dependency caches (pip, npm, Go modules and builds, Cargo, Maven) kept between the jobs of
one repository on a worker: `<data dir>/caches/<owner>__<repo>/<kind>`.

Only that repository's sandbox gets its directory (bound at the same path, read-write); the caches of other
repositories are not in its mount namespace, so its code can neither read nor poison them. A fork's pull
request runs the fork's code, so it gets no shared cache at all: it would otherwise poison the base
repository's. Tools find the directories through their own environment variables.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the sandbox's factory imports this module
    from workers.runners.sandbox.users import SandboxUser

KINDS = ("pip", "npm", "go", "cargo", "m2")


@dataclass(frozen=True)
class RepoCaches:
    """One repository's cache directories."""

    root: Path

    def env(self) -> dict[str, str]:
        """The variables that point each tool at its directory."""
        return {
            "PIP_CACHE_DIR": str(self.root / "pip"),
            "npm_config_cache": str(self.root / "npm"),
            "GOMODCACHE": str(self.root / "go" / "mod"),
            "GOCACHE": str(self.root / "go" / "build"),
            "CARGO_HOME": str(self.root / "cargo"),
            "MAVEN_OPTS": f"-Dmaven.repo.local={self.root / 'm2' / 'repository'}",
        }


def cache_dir_name(repo_full_name: str) -> str:
    """`owner__repo`, lower case (GitHub names are case-insensitive); anything but GitHub's name characters
    becomes `_`, so the name is one path component and never `.` or `..`."""
    owner, _, name = repo_full_name.lower().partition("/")
    return "__".join(re.sub(r"[^a-z0-9._-]", "_", part) or "_" for part in (owner, name))


def caches_for(data_dir: Path, repo_full_name: str) -> RepoCaches:
    return RepoCaches(Path(data_dir).resolve() / "caches" / cache_dir_name(repo_full_name))


def make_caches(caches: RepoCaches, user: SandboxUser | None) -> RepoCaches:
    """Create the directories: `caches/` and the repository's directory stay the worker's (0700, so no
    process outside a sandbox that binds them can walk in), each kind belongs to the sandbox user."""
    for directory in (caches.root.parent, caches.root):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.is_symlink() or not directory.is_dir():
            raise OSError(f"{directory} must be a directory, not a link")
        os.chmod(directory, 0o700)
    for kind in KINDS:
        path = caches.root / kind
        path.mkdir(mode=0o700, exist_ok=True)
        if user is not None and os.geteuid() == 0:
            # Not following links: only the directory itself, which the worker made.
            os.chown(path, user.uid, user.gid, follow_symlinks=False)
    return caches
