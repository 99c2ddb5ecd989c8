"""The unprivileged user repository code runs as, and handing a job's workspace to it.

One dedicated system user for all jobs. Jobs cannot see each other (separate mount and pid namespaces, and
no workspace but their own is mounted), but they do share the user's process limit: RLIMIT_NPROC counts
every process of a uid on the machine, so `max_procs` is a budget for all concurrent jobs of the host
together. That is the price of not needing a range of uids reserved on the host.
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.errors import SandboxUnavailable

log = logging.getLogger(__name__)

SANDBOX_USER = "codellama-sandbox"
FALLBACK_USER = "nobody"


@dataclass(frozen=True)
class SandboxUser:
    """The account sandboxed processes run as; never root, or no limit and no permission would hold."""

    name: str
    uid: int
    gid: int


def _lookup(name: str) -> SandboxUser | None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise SandboxUnavailable(f"the sandbox user {name!r} has uid or gid 0; it must be unprivileged")
    return SandboxUser(name=entry.pw_name, uid=entry.pw_uid, gid=entry.pw_gid)


def ensure_sandbox_user(name: str = SANDBOX_USER) -> SandboxUser:
    """The dedicated sandbox user, created if missing (root only); `nobody` if it cannot be created."""
    user = _lookup(name)
    if user is not None:
        return user
    if os.geteuid() == 0:
        # A system account without home or login shell: it exists only to own sandboxed processes.
        cmd = [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            done = None
            log.warning("could not run useradd for sandbox user %s: %s", name, exc)
        user = _lookup(name)
        if user is not None:
            return user
        if done is not None:
            log.warning("useradd %s failed (%s): %s", name, done.returncode, done.stderr.strip())
    fallback = _lookup(FALLBACK_USER)
    if fallback is None:
        raise SandboxUnavailable(
            f"neither the sandbox user {name!r} nor {FALLBACK_USER!r} exists; create one with "
            f"`useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {name}`"
        )
    log.warning(
        "sandbox user %r is missing; running repository code as %r, which other software on this "
        "host may share",
        name,
        FALLBACK_USER,
    )
    return fallback


def grant_workspace(workspace: Path, user: SandboxUser) -> list[Path]:
    """Make the workspace writable by the sandbox user while git metadata stays the worker's.

    The top directory, and the top of every repository in it, stay owned by the worker (root) so that the
    worker's own git commands do not trip over git's "dubious ownership" check (safe.directory); the
    sandbox user gets into them through its group. Everything else, except `.git`, is handed to the sandbox
    user. `.git` keeps its owner and is also mounted read-only inside the sandbox: a writable `.git/config`
    (core.fsmonitor, core.hooksPath) would let tests run commands as root the next time the worker runs git.
    Run before every sandboxed command: files the worker wrote since (edits, checkouts) are root's.
    Returns every `.git` found (directory or gitfile; submodules and nested repositories included).
    """
    worker = os.geteuid()
    found: list[Path] = []
    # fwalk with directory descriptors, never following symlinks: code from an earlier run may have left
    # symlinks to /etc where directories were, and a root chown must not follow them.
    for root, dirs, files, root_fd in os.fwalk(workspace, follow_symlinks=False):
        if ".git" in dirs:
            dirs.remove(".git")
            files.append(".git")
        if ".git" in files:
            found.append(Path(root, ".git"))
        repo_top = ".git" in files and os.stat(".git", dir_fd=root_fd, follow_symlinks=False).st_uid == worker
        if root == str(workspace) or repo_top:
            os.fchown(root_fd, worker, user.gid)
            os.fchmod(root_fd, 0o770)
        elif (st := os.fstat(root_fd)).st_uid != user.uid or st.st_gid != user.gid:
            os.fchown(root_fd, user.uid, user.gid)
        for name in dirs + files:
            if name == ".git":
                continue
            st = os.stat(name, dir_fd=root_fd, follow_symlinks=False)
            # Directories are handled through their own descriptor when the walk gets there. Symlinks keep
            # their owner (it grants nothing): so the ones the sandboxed code made stay recognisable.
            if stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode):
                continue
            if st.st_uid != user.uid or st.st_gid != user.gid:
                os.chown(name, user.uid, user.gid, dir_fd=root_fd, follow_symlinks=False)
    return sorted(found)
