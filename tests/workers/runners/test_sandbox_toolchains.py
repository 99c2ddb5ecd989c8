"""The sandbox runs each language's toolchain from the host's /usr, read-only, with its caches (GOPATH,
GOCACHE, CARGO_HOME, ~/.npm, ~/.m2) in the job's own writable HOME and no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.settings import Settings
from workers.runners.sandbox import make_runner

pytestmark = pytest.mark.slow

CHECKS = {
    # Go puts its module and build caches under HOME unless told otherwise.
    "go": ("go env GOPATH GOCACHE && go version", "go version go"),
    "cargo": ("cargo --version && rustc --version && cargo metadata --help >/dev/null", "cargo "),
    "node": (
        "node -e \"require('fs').writeFileSync(require('os').homedir() + '/w', 'ok')\" && cat ~/w",
        "ok",
    ),
    "npm": ("npm --version && npm config get cache", ".npm"),
    "corepack": ("corepack --version", "."),
    "mvn": ("mvn -B -v", "Apache Maven"),
}


@pytest.mark.parametrize("tool", sorted(CHECKS))
def test_the_toolchain_runs_in_the_sandbox_with_a_writable_job_home(tool: str, tmp_path: Path) -> None:
    # /usr/bin, as the sandbox sees it: a rustup proxy under ~/.cargo/bin is not visible there.
    if shutil.which(tool, path="/usr/local/bin:/usr/bin:/bin") is None:
        pytest.skip(f"{tool} is not installed in /usr here; scripts/install-test-tools.sh installs it")
    repo = tmp_path / "repo"
    repo.mkdir()
    command, expected = CHECKS[tool]
    result = make_runner(Settings(), tmp_path).run(command, repo, timeout_s=120)
    assert result.ok, result.output
    assert expected in result.output
    if tool == "go":
        gopath, gocache = result.output.splitlines()[:2]
        assert Path(gopath).is_relative_to(tmp_path) and Path(gocache).is_relative_to(tmp_path)
    if tool == "npm":
        assert str(tmp_path) in result.output
