"""Repositories in JavaScript, Go and Rust for the end-to-end tests: HumanEvalFix task 3 (below_zero) of the
language made into a project (workers/benchmark/projects.py), the model's wrong and right answers to it, and,
for the red-CI case, the same project with a workflow whose test step runs a command that convention would
not choose.

The CI variant adds an integration test that always fails ("needs the database") and that only the
convention's command runs: `npm test` runs it where CI's `npm run test:unit` does not, `go test ./...` where
`go test -run . ./pkg/...` does not, `cargo test --offline` where `--lib` does not. So a pull request whose
tests pass proves the bot ran CI's own command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.benchmark.projects import (
    BUILDERS,
    DEBIAN_MAVEN_REPO,
    JAVA_TEST_COMMAND,
    TOOLCHAINS,
    Project,
)

TASK = 3  # below_zero: `balance == 0` where `balance < 0` is meant, in every language
BUGGY, WRONG, RIGHT = "balance == 0", "balance <= 0", "balance < 0"
WORKFLOW_PATH = ".github/workflows/ci.yml"
CI_JOB, CI_STEP = "test", "Unit tests"
NEEDS_THE_DATABASE = "needs the database"


def project(language: str) -> Project:
    rows = (CORPORA / "humanevalfix" / "data" / language / "humanevalpack.jsonl").read_text().splitlines()
    return BUILDERS[language](json.loads(rows[TASK]))


def answer(project: Project, replacement: str, explanation: str) -> str:
    """A SEARCH/REPLACE answer that rewrites the buggy comparison as `replacement`."""
    [line] = [ln for ln in project.files[project.source].splitlines() if BUGGY in ln]
    fixed = line.replace(BUGGY, replacement)
    block = f"<<<<<<< SEARCH\n{line}\n=======\n{fixed}\n>>>>>>> REPLACE"
    return f"{explanation}\n\n{project.source}\n```\n{block}\n```\n"


def wrong_then_right(project: Project) -> list[str]:
    return [
        answer(project, WRONG, "The balance must not reach zero."),
        answer(project, RIGHT, "Below zero means less than zero, not equal to it."),
    ]


# What Maven needs from Debian's packages to test the Java project offline.
DEBIAN_MAVEN_ARTIFACTS = (
    "junit/junit/4.13.2",
    "org/apache/maven/plugins/maven-compiler-plugin/3.1",
    "org/apache/maven/plugins/maven-resources-plugin/2.6",
    "org/apache/maven/plugins/maven-surefire-plugin/2.12.4",
)


def need_toolchain(language: str) -> None:
    missing = [tool for tool in TOOLCHAINS[language] if shutil.which(tool) is None]
    if language == "java":
        repo = Path(DEBIAN_MAVEN_REPO)
        missing += [f"{repo / a}" for a in DEBIAN_MAVEN_ARTIFACTS if not (repo / a).is_dir()]
    if missing:
        pytest.skip(
            f"{language}: {' and '.join(missing)} not installed; scripts/install-test-tools.sh installs them"
        )


def clone(tmp: Path, branch: str, bare: Path) -> Path:
    """A fresh clone of the pushed branch."""
    dest = tmp / "verify"
    subprocess.run(["git", "clone", "-q", "--branch", branch, str(bare), str(dest)], check=True, timeout=60)
    return dest


def run_tests(
    checkout: Path, command: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # This machine's own environment (a rustup install finds its toolchain through HOME), plus `env`.
    return subprocess.run(
        command,
        shell=True,
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **(env or {})},
    )


def changed_files(checkout: Path) -> list[str]:
    diff = subprocess.run(
        ["git", "diff", "--name-only", "origin/main", "HEAD"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    return diff.stdout.split()


@dataclass(frozen=True)
class CiRepo:
    """A project with a workflow whose step `Unit tests` of job `test` runs `command` after `setup`."""

    project: Project
    command: str  # CI's test command, which the pull request must pass
    setup: str  # CI's install step, if any
    tool: str  # what `actions/setup-*` asks for, as the report names it ("node 20")
    log: str  # the failed job's log, as the jobs API serves it
    # What convention's command says on the fixed branch, where it still cannot pass.
    convention_fails_with: str = NEEDS_THE_DATABASE

    @property
    def setup_and_test(self) -> str:
        return f"{self.setup} && {self.command}" if self.setup else self.command


def workflow(setup_action: str, setup_with: dict[str, str], install: str, command: str) -> str:
    """A CI workflow on pushes and pull requests: a lint job that passed, and the job with the test step."""
    with_lines = "".join(f"\n          {key}: {value}" for key, value in setup_with.items())
    install_step = f"\n      - name: Install\n        run: {install}" if install else ""
    return f"""\
name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo lint
  {CI_JOB}:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: {setup_action}
        with:{with_lines}{install_step}
      - name: {CI_STEP}
        run: {command}
"""


def _log(command: str, failure: str) -> str:
    return f"Run {command}\n{failure}\nError: Process completed with exit code 1.\n"


def js_ci(base: Project) -> CiRepo:
    package = json.loads(base.files["package.json"])
    package["scripts"] = {"test": "node test.js && node integration.test.js", "test:unit": "node test.js"}
    lock = {
        "name": package["name"],
        "version": package["version"],
        "lockfileVersion": 3,
        "requires": True,
        "packages": {"": {"name": package["name"], "version": package["version"]}},
    }
    command, install = "npm run test:unit", "npm ci"
    files = {
        **base.files,
        "package.json": json.dumps(package, indent=2) + "\n",
        "package-lock.json": json.dumps(lock, indent=2) + "\n",
        "integration.test.js": f"throw new Error('{NEEDS_THE_DATABASE}');\n",
        WORKFLOW_PATH: workflow("actions/setup-node@v4", {"node-version": "20"}, install, command),
    }
    log = _log(command, "Error: Assertion failed\n    at Object.<anonymous> (test.js:12:11)")
    return CiRepo(Project(files, base.fixed, base.source), command, install, "node 20", log)


def go_ci(base: Project) -> CiRepo:
    """The solution moves to pkg/belowzero (package main cannot be imported, and need not be)."""
    package = "package belowzero"
    moved = {
        f"pkg/belowzero/{name}": text.replace("package main", package, 1)
        for name, text in base.files.items()
        if name in ("solution.go", "solution_test.go")
    }
    files = {
        "go.mod": base.files["go.mod"],
        "assert/assert.go": base.files["assert/assert.go"],
        **moved,
        "integration/integration_test.go": (
            'package integration\n\nimport "testing"\n\n'
            f'func TestNeedsTheDatabase(t *testing.T) {{ t.Fatal("{NEEDS_THE_DATABASE}") }}\n'
        ),
    }
    source = "pkg/belowzero/solution.go"
    fixed = {source: base.fixed["solution.go"].replace("package main", package, 1)}
    command, install = "go test -run . ./pkg/...", "go mod download"
    files[WORKFLOW_PATH] = workflow("actions/setup-go@v5", {"go-version": "'1.21'"}, install, command)
    log = _log(command, "--- FAIL: TestBelowZero (0.00s)\nFAIL\thumanevalfix/pkg/belowzero\t0.002s")
    return CiRepo(Project(files, fixed, source), command, install, "go 1.21", log)


def rust_ci(base: Project) -> CiRepo:
    command, install = "cargo test --offline --lib", "cargo fetch"
    files = {
        **base.files,
        "tests/integration.rs": (
            f'#[test]\nfn needs_the_database() {{\n    panic!("{NEEDS_THE_DATABASE}");\n}}\n'
        ),
        # dtolnay/rust-toolchain takes `toolchain:`; the report names only actions/setup-* versions.
        WORKFLOW_PATH: workflow("dtolnay/rust-toolchain@stable", {"toolchain": "stable"}, install, command),
    }
    log = _log(command, "test tests::test_below_zero ... FAILED\ntest result: FAILED. 0 passed; 1 failed")
    return CiRepo(Project(files, base.fixed, base.source), command, install, "", log)


def java_ci(base: Project) -> CiRepo:
    """CI runs Maven offline against Debian's Maven repository, which holds JUnit and Maven's plugins;
    convention's `mvn -o test` has an empty local repository and cannot resolve even its plugins."""
    files = {
        **base.files,
        WORKFLOW_PATH: workflow(
            "actions/setup-java@v4",
            {"distribution": "temurin", "java-version": "'17'"},
            "",
            JAVA_TEST_COMMAND,
        ),
    }
    log = _log(JAVA_TEST_COMMAND, "[ERROR] Tests run: 1, Failures: 1, Errors: 0, Skipped: 0")
    return CiRepo(
        Project(files, base.fixed, base.source),
        JAVA_TEST_COMMAND,
        "",
        "java 17",
        log,
        convention_fails_with="Cannot access central",
    )


CI_BUILDERS = {"js": js_ci, "go": go_ci, "rust": rust_ci, "java": java_ci}


def ci_repo(language: str) -> CiRepo:
    return CI_BUILDERS[language](project(language))
