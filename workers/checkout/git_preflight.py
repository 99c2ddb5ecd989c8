"""Before `fix` touches a checkout: is it a git repository git will work in, with a commit to start from?

GitPython reports each of these as a GitCommandError with git's whole stderr (and, for "dubious ownership",
a usage dump of the command that failed); here each becomes one sentence that says what to do.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from core.errors import UsageError

GIT_TIMEOUT_S = 30  # a local `git rev-parse`; far longer means a hung filesystem, reported as such


def _git(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(path), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; install it (Debian: apt-get install git)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"git did not answer within {GIT_TIMEOUT_S} s in {path}; is its disk reachable?"
        ) from None


def check_checkout(path: Path) -> Path:
    """The top of the git working tree at `path`; UsageError naming the fix when git cannot work there."""
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; pass the path of a git checkout")
    top = _git(path, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(_explain(path, top.stderr))
    head = _git(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head.returncode != 0:
        raise UsageError(f"{path} has no commit yet; commit the code first (`git add -A && git commit`)")
    return Path(top.stdout.strip())


def _explain(path: Path, stderr: str) -> str:
    if "dubious ownership" in stderr:
        # git >= 2.35.2 refuses repositories owned by another user (CVE-2022-24765) unless trusted.
        where = path.resolve()
        for line in stderr.splitlines():
            _, found, rest = line.partition("dubious ownership in repository at ")
            if found:
                where = Path(rest.strip().strip("'"))
        return (
            f"git refuses to work in {where}: it belongs to another user (git's 'dubious ownership' check). "
            f"If you trust it, run `git config --global --add safe.directory {where}`, or run as its owner"
        )
    if "not a git repository" in stderr:
        return f"{path} is not a git repository; run `git init` and commit, or pass the path of a checkout"
    return f"git cannot read {path}: {stderr.strip() or 'no message'}"
