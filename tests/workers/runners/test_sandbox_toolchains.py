"""The sandbox runs each language's toolchain from the host's /usr, read-only, with its caches (GOPATH,
GOCACHE, CARGO_HOME, ~/.npm, ~/.m2) in the job's own writable HOME and no network."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import CORPORA
from workers.benchmark.projects import DEBIAN_MAVEN_REPO, JAVA_TEST_COMMAND, java_project
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


def test_maven_builds_and_tests_a_java_project_offline_under_the_memory_limit(tmp_path: Path) -> None:
    """Maven and its Surefire fork are two JVMs; unsized, they exceed the address-space limit and die."""
    repo_dir = Path(DEBIAN_MAVEN_REPO)
    if shutil.which("mvn", path="/usr/bin") is None or not (repo_dir / "junit" / "junit" / "4.13.2").is_dir():
        pytest.skip(
            "mvn or Debian's junit4 and Maven plugins missing; scripts/install-test-tools.sh installs them"
        )
    row = json.loads((CORPORA / "humanevalfix" / "data" / "java" / "humanevalpack.jsonl").open().readline())
    project = java_project(row)
    repo = tmp_path / "repo"
    for name, text in {**project.files, **project.fixed}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    settings = Settings(test_memory_limit_mb=2048)
    result = make_runner(settings, tmp_path).run(JAVA_TEST_COMMAND, repo, timeout_s=240)
    assert result.ok, result.output
    assert (repo / "target" / "surefire-reports").is_dir()
