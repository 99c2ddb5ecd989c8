"""The bubblewrap command line: what the sandbox sees, which namespaces it gets, who it runs as.

Pure: takes paths and limits, returns argv. What exists on the host is looked up by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workers.runners.sandbox.limits import SandboxLimits
from workers.runners.sandbox.users import SandboxUser

# Top-level host directories the sandbox gets read-only: programs, libraries and /etc (ld.so.cache,
# passwd for user names, certificates, resolv.conf). Not /var, /run, /home, /root, /srv, /mnt, /opt, /work:
# that is where sockets, keys, configuration and other jobs' workspaces live.
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")
TMPFS_MB = 512


@dataclass(frozen=True)
class Layout:
    """What the host looks like, as far as the sandbox is concerned."""

    # name -> symlink target for top-level system entries that are symlinks (merged /usr), else None.
    system: dict[str, str | None]
    ro_binds: Sequence[Path] = ()
    # `.git` entries mounted read-only over the writable workspace, and git directories outside it
    # (a worktree's) mounted read-only so git inside the sandbox can still read history.
    git_paths: Sequence[Path] = ()
    # Host files or directories that must not be readable even where a bind above would show them
    # (the App's key file kept in /etc, say): files are covered with /dev/null, directories with tmpfs.
    hidden_files: Sequence[Path] = ()
    hidden_dirs: Sequence[Path] = ()
    # Host directories outside the workspace that this job may write: its repository's dependency caches.
    rw_binds: Sequence[Path] = ()


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


class _Tree:
    """Which directories the sandbox's root already has, while its command line is being built."""

    def __init__(self) -> None:
        self.ro_trees: list[Path] = []  # read-only host mounts: everything below them exists
        self.made: set[Path] = {Path("/")}  # directories and mount points created so far

    def mount_point(self, path: Path) -> list[str]:
        """Create the directories leading to `path` with mode 0755 (bubblewrap would copy the host's
        modes, and /root is 0700), except where they already exist in the sandbox."""
        args: list[str] = []
        for parent in reversed(path.parents):
            if parent in self.made or _under(parent, self.ro_trees):
                continue
            args += ["--perms", "0755", "--dir", str(parent)]
            self.made.add(parent)
        self.made.add(path)
        return args


def bwrap_argv(
    command: str,
    *,
    workspace: Path,
    cwd: Path,
    layout: Layout,
    limits: SandboxLimits,
    user: SandboxUser,
    network: bool,
    seccomp_fd: int | None = None,
    bwrap: str = "bwrap",
) -> list[str]:
    """Everything after this runs with only `workspace` writable; `{status_fd}` is filled in at start.

    `seccomp_fd` is a descriptor holding the filter of workers/runners/sandbox/seccomp.py, or None for none.
    """
    args = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "codellama-sandbox",
    ]
    if not network:
        # A new network namespace has only its own loopback: no Redis, no GitHub, no model server,
        # and no abstract unix sockets of the host.
        args.append("--unshare-net")
    tree = _Tree()
    for name, target in layout.system.items():
        if target is not None:
            args += ["--symlink", target, f"/{name}"]
        else:
            args += ["--ro-bind", f"/{name}", f"/{name}"]
            tree.ro_trees.append(Path("/", name))
    tmp_bytes = str(min(TMPFS_MB, limits.memory_mb) * 1024 * 1024)
    args += ["--proc", "/proc", "--dev", "/dev"]
    tree.made.update({Path("/proc"), Path("/dev")})
    # tmpfs lives in memory, so each one is capped: a test filling /tmp must not fill the host's RAM.
    for tmp in ("/tmp", "/dev/shm", "/var/tmp"):
        args += [*tree.mount_point(Path(tmp)), "--perms", "1777", "--size", tmp_bytes, "--tmpfs", tmp]
    for path in layout.ro_binds:
        if _under(path, tree.ro_trees):
            continue
        args += [*tree.mount_point(path), "--ro-bind", str(path), str(path)]
        tree.ro_trees.append(path)
    args += [*tree.mount_point(workspace), "--bind", str(workspace), str(workspace)]
    for path in layout.rw_binds:
        args += [*tree.mount_point(path), "--bind", str(path), str(path)]
    git_bound: list[Path] = []
    for path in layout.git_paths:
        if _under(path, git_bound):
            continue  # a worktree's git directory inside the common one, already read-only
        if not _under(path, [workspace]):
            args += tree.mount_point(path)
        args += ["--ro-bind", str(path), str(path)]
        git_bound.append(path)
    visible = [*tree.ro_trees, workspace]
    for path in layout.hidden_files:
        if _under(path, visible):
            args += ["--ro-bind", "/dev/null", str(path)]
    for path in layout.hidden_dirs:
        if _under(path, visible):
            args += ["--perms", "0000", "--size", "4096", "--tmpfs", str(path)]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--chdir", str(cwd), "--json-status-fd", "{status_fd}", "--"]
    # No user namespace: bubblewrap runs as root and the command drops to the sandbox user, because
    # inside a user namespace the user would map back to root, for whom the kernel ignores RLIMIT_NPROC.
    args += [
        "setpriv",
        f"--reuid={user.uid}",
        f"--regid={user.gid}",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
    ]
    args += ["prlimit", *limits.prlimit_args(), "--", "/bin/sh", "-c", command]
    return args
