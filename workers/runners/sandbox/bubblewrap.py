"""BubblewrapRunner: the CommandRunner for repository code, inside a bubblewrap sandbox."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import platform
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from core import metrics
from core.errors import SandboxUnavailable
from workers.runners.process import RunResult, clean_environment
from workers.runners.sandbox.aftermath import clean_after_run
from workers.runners.sandbox.limits import SandboxLimits
from workers.runners.sandbox.mounts import SYSTEM_DIRS, Layout, bwrap_argv
from workers.runners.sandbox.seccomp import host_filter
from workers.runners.sandbox.supervise import supervise
from workers.runners.sandbox.users import SandboxUser, ensure_sandbox_user, grant_workspace
from workers.runners.sandbox.verdict import limit_hit

log = logging.getLogger(__name__)


def python_prefixes() -> list[Path]:
    """Where the worker's Python lives, so `python -m pytest` works inside (pyenv keeps it under /root)."""
    found: list[Path] = []
    for prefix in (sys.prefix, sys.base_prefix):
        for path in (Path(prefix), Path(os.path.realpath(prefix))):
            if not any(path == p or p in path.parents for p in found):
                found.append(path)
    return found


def system_layout() -> dict[str, str | None]:
    """Top-level system directories present on this host; symlinks (merged /usr) stay symlinks."""
    layout: dict[str, str | None] = {}
    for name in SYSTEM_DIRS:
        path = Path("/", name)
        if path.is_symlink():
            layout[name] = os.readlink(path)
        elif path.is_dir():
            layout[name] = None
    return layout


def _trusted_git_paths(found: list[Path]) -> list[Path]:
    """`.git` entries owned by the worker, plus the git directory a worktree's gitfile points to.

    Only the worker's own (root-owned) entries are followed: a gitfile the tests wrote could point anywhere
    on the host, and following it would mount that path into the sandbox.
    """
    paths: list[Path] = []
    for entry in found:
        if entry.lstat().st_uid != os.geteuid() or entry.is_symlink():
            continue
        paths.append(entry)
        if entry.is_file():
            text = entry.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                gitdir = (entry.parent / text.removeprefix("gitdir:").strip()).resolve()
                commondir = gitdir / "commondir"
                common = (gitdir / commondir.read_text().strip()).resolve() if commondir.is_file() else None
                paths += [p for p in (common, gitdir) if p is not None and p.is_dir()]
    return paths


@contextlib.contextmanager
def _seccomp_fd() -> Iterator[int | None]:
    """The seccomp filter in an anonymous file, for bubblewrap to read (None on unknown architectures)."""
    program = host_filter()
    if program is None:
        log.warning("no seccomp filter for %s: sandboxed code may create user namespaces", platform.machine())
        yield None
        return
    fd = os.memfd_create("codellama-seccomp", 0)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _exclusive(workspace: Path) -> Iterator[None]:
    """One sandboxed command at a time per workspace: handing the workspace to the sandbox user while code
    of another run is still writing in it would race with that code."""
    fd = os.open(workspace, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class BubblewrapRunner:
    """Runs repository code in bubblewrap: read-only system, only `workspace` writable, private /tmp,
    no network unless asked, a clean environment, an unprivileged user, and resource limits."""

    def __init__(
        self,
        workspace: Path,
        limits: SandboxLimits,
        extra_ro_binds: Iterable[Path] = (),
        *,
        hidden: Iterable[Path] = (),
        rw_binds: Iterable[Path] = (),
        extra_env: dict[str, str] | None = None,
        user: SandboxUser | None = None,
        bwrap: str = "bwrap",
    ) -> None:
        self.workspace = Path(workspace).resolve()
        self.limits = limits
        self.extra_ro_binds = tuple(Path(p).resolve() for p in extra_ro_binds)
        # Secrets that live where the sandbox can see (the key file in /etc, say) are masked inside.
        self.hidden = tuple(Path(p).resolve() for p in hidden)
        # Writable beyond the workspace, with the variables that point tools there (dependency caches).
        self.rw_binds = tuple(Path(p).resolve() for p in rw_binds)
        self.extra_env = dict(extra_env or {})
        self.user = user or ensure_sandbox_user()
        self.bwrap = bwrap

    def _environment(self) -> dict[str, str]:
        # JVMs sized to the memory limit (a CI step's own `env:` is set in its command line, after this).
        jvm = {"JAVA_TOOL_OPTIONS": self.limits.jvm_options()}
        env = clean_environment(self.workspace, {**jvm, **self.extra_env})
        # The worker's PATH names directories the sandbox does not have (pyenv shims, ~/.cargo); keep the
        # ones it does have, the worker's Python first so `python -m pytest` finds pytest.
        visible = [f"/{name}" for name in SYSTEM_DIRS] + [
            str(p) for p in (*python_prefixes(), *self.extra_ro_binds)
        ]
        kept = [e for e in env["PATH"].split(":") if any(e == v or e.startswith(v + "/") for v in visible)]
        env["PATH"] = ":".join(dict.fromkeys([*(str(p / "bin") for p in python_prefixes()), *kept]))
        env.update({"TMPDIR": "/tmp", "USER": self.user.name, "LOGNAME": self.user.name})
        # .git belongs to root; without this, git inside the sandbox refuses the repository. Variables
        # count as command-line configuration, the only scope besides global/system that git honours here.
        env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"})
        return env

    def run(
        self,
        command: str,
        cwd: Path,
        *,
        timeout_s: float,
        network: bool = False,
        output_limit: int = 1_000_000,
    ) -> RunResult:
        cwd = Path(cwd).resolve()
        if cwd != self.workspace and self.workspace not in cwd.parents:
            raise ValueError(f"cwd {cwd} is outside the sandbox workspace {self.workspace}")
        with _exclusive(self.workspace):
            return self._run_locked(
                command, cwd, timeout_s=timeout_s, network=network, output_limit=output_limit
            )

    def _run_locked(
        self, command: str, cwd: Path, *, timeout_s: float, network: bool, output_limit: int
    ) -> RunResult:
        found = grant_workspace(self.workspace, self.user)
        layout = Layout(
            system=system_layout(),
            ro_binds=[*python_prefixes(), *self.extra_ro_binds],
            git_paths=_trusted_git_paths(found),
            hidden_files=[p for p in self.hidden if p.exists() and not p.is_dir()],
            hidden_dirs=[p for p in self.hidden if p.is_dir()],
            rw_binds=[p for p in self.rw_binds if p.is_dir() and not p.is_symlink()],
        )
        try:
            with _seccomp_fd() as seccomp_fd:
                return self._supervise(command, cwd, layout, seccomp_fd, timeout_s, network, output_limit)
        finally:
            for planted in clean_after_run(self.workspace):
                log.warning("removed %s, left by sandboxed code where the worker could trip on it", planted)

    def _supervise(
        self,
        command: str,
        cwd: Path,
        layout: Layout,
        seccomp_fd: int | None,
        timeout_s: float,
        network: bool,
        output_limit: int,
    ) -> RunResult:
        argv = bwrap_argv(
            command,
            workspace=self.workspace,
            cwd=cwd,
            layout=layout,
            limits=self.limits,
            user=self.user,
            network=network,
            seccomp_fd=seccomp_fd,
            bwrap=self.bwrap,
        )
        keep = min(output_limit, self.limits.output_bytes)
        run = supervise(
            argv,
            cwd,
            self._environment(),
            timeout_s=min(timeout_s, self.limits.wall_s),
            keep_bytes=keep,
            kill_after_bytes=max(keep, self.limits.output_kill_bytes),
            label=command,
            pass_fds=() if seccomp_fd is None else (seccomp_fd,),
        )
        if not run.started:
            # bubblewrap failed before the command ran: that is the host's problem, not the repository's.
            raise SandboxUnavailable(
                f"bubblewrap could not start the sandbox (exit {run.result.exit_code}): "
                f"{run.result.output.strip() or 'no message'}"
            )
        _count_limit(run.result)
        return run.result


def _count_limit(result: RunResult) -> None:
    """codellama_sandbox_kills_total{limit="wall_clock_time"}, from "wall-clock time limit"."""
    limit = limit_hit(result)
    if limit is not None:
        metrics.SANDBOX_KILLS.labels(limit.removesuffix(" limit").replace("-", "_").replace(" ", "_")).inc()
