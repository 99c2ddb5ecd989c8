"""Choose the runner for repository code: the sandbox, or, only when the operator says so, none."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from core.errors import SandboxUnavailable
from core.settings import Settings
from workers.runners.dependency_caches import KINDS, RepoCaches, make_caches
from workers.runners.process import CommandRunner, LocalRunner
from workers.runners.sandbox.bubblewrap import BubblewrapRunner
from workers.runners.sandbox.limits import SandboxLimits, limits_from_settings
from workers.runners.sandbox.users import ensure_sandbox_user

log = logging.getLogger(__name__)

HOW_TO_FIX = (
    "See docs/sandbox.md for what the worker's container needs. To run repository code without a sandbox "
    "anyway (only for repositories you trust), set ALLOW_UNSANDBOXED=true."
)
_PROBE_LIMITS = SandboxLimits(
    cpu_s=10, memory_mb=512, max_procs=64, max_file_mb=16, wall_s=30, output_bytes=65536
)


# Successful probes, per bubblewrap binary, for the life of the process. Failures are not kept: the next
# job tries again, so a worker whose sandbox failed once (a user being created by a sibling) recovers.
_WORKING: dict[str, str] = {}


def _probe(bwrap_path: str) -> tuple[bool, str]:
    """Start one real sandbox and run `true` in it."""
    if bwrap_path in _WORKING:
        return True, _WORKING[bwrap_path]
    workspace = Path(tempfile.mkdtemp(prefix="codellama-sandbox-probe-"))
    try:
        runner = BubblewrapRunner(workspace, _PROBE_LIMITS, bwrap=bwrap_path)
        result = runner.run("true", workspace, timeout_s=_PROBE_LIMITS.wall_s)
    except SandboxUnavailable as exc:
        return False, str(exc)
    except OSError as exc:
        return False, f"could not start {bwrap_path}: {exc}"
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    if not result.ok:
        output = result.output.strip()
        return False, f"a trial command in the sandbox failed (exit {result.exit_code}): {output}"
    _WORKING[bwrap_path] = (
        f"bubblewrap at {bwrap_path}, running as user {runner.user.name} (uid {runner.user.uid})"
    )
    return True, _WORKING[bwrap_path]


def sandbox_available(bwrap: str = "bwrap") -> tuple[bool, str]:
    """Whether repository code can be sandboxed here, and why not if it cannot."""
    path = shutil.which(bwrap)
    if path is None:
        return False, f"bubblewrap ({bwrap}) is not installed; install the Debian package `bubblewrap`"
    for tool in ("setpriv", "prlimit"):
        if shutil.which(tool) is None:
            return False, f"`{tool}` is missing; install the Debian package `util-linux`"
    if os.geteuid() != 0:
        return False, (
            f"the worker runs as uid {os.geteuid()}, but starting the sandbox without a user namespace and "
            "switching to the sandbox user needs root inside the worker's container"
        )
    return _probe(path)


def _unsandboxed(settings: Settings, why: str) -> CommandRunner:
    if not settings.allow_unsandboxed:
        raise SandboxUnavailable(f"refusing to run repository code: {why}. {HOW_TO_FIX}")
    log.warning(
        "!!! RUNNING REPOSITORY CODE WITHOUT A SANDBOX (%s). It can read this worker's secrets, reach its "
        "network and write anywhere this user can. ALLOW_UNSANDBOXED=true permits it. !!!",
        why,
    )
    return LocalRunner()


def make_runner(
    settings: Settings, workspace: Path, *, caches: RepoCaches | None = None, bwrap: str = "bwrap"
) -> CommandRunner:
    """The runner for one job's workspace: sandboxed, or unsandboxed only when the operator allows it.
    `caches`, one repository's dependency caches, are bound in read-write and named in the environment."""
    if not settings.sandbox:
        runner = _unsandboxed(settings, "the sandbox is switched off (SANDBOX=false)")
        return LocalRunner(make_caches(caches, None).env()) if caches is not None else runner
    ok, reason = sandbox_available(bwrap)
    if not ok:
        runner = _unsandboxed(settings, f"the sandbox cannot start: {reason}")
        return LocalRunner(make_caches(caches, None).env()) if caches is not None else runner
    hidden = [settings.github_private_key_path] if settings.github_private_key_path else []
    user = ensure_sandbox_user()
    if caches is None:
        return BubblewrapRunner(
            workspace, limits_from_settings(settings), hidden=hidden, user=user, bwrap=bwrap
        )
    make_caches(caches, user)
    kinds = [caches.root / kind for kind in KINDS]
    return BubblewrapRunner(workspace, limits_from_settings(settings), hidden=hidden, rw_binds=kinds,
                            extra_env=caches.env(), user=user, bwrap=bwrap)  # fmt: skip
