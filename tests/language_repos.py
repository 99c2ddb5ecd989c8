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
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.benchmark.projects import BUILDERS, TOOLCHAINS, Project

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


def need_toolchain(language: str) -> None:
    missing = [tool for tool in TOOLCHAINS[language] if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{language}: {' and '.join(missing)} not installed; scripts/install-test-tools.sh installs them"
        )


def clone(tmp: Path, branch: str, bare: Path) -> Path:
    """A fresh clone of the pushed branch."""
    dest = tmp / "verify"
    subprocess.run(["git", "clone", "-q", "--branch", branch, str(bare), str(dest)], check=True, timeout=60)
    return dest


def run_tests(checkout: Path, command: str) -> subprocess.CompletedProcess[str]:
    # This machine's own environment: a rustup install finds its toolchain through HOME.
    return subprocess.run(command, shell=True, cwd=checkout, capture_output=True, text=True, timeout=240)


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
    setup: str  # CI's install step
    tool: str  # what `actions/setup-*` asks for, as the report names it ("node 20")
    log: str  # the failed job's log, as the jobs API serves it


def workflow(setup_action: str, setup_with: str, install: str, command: str) -> str:
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
        with:
          {setup_with}
      - name: Install
        run: {install}
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
        WORKFLOW_PATH: workflow("actions/setup-node@v4", "node-version: 20", install, command),
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
    files[WORKFLOW_PATH] = workflow("actions/setup-go@v5", "go-version: '1.21'", install, command)
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
        WORKFLOW_PATH: workflow("dtolnay/rust-toolchain@stable", "toolchain: stable", install, command),
    }
    log = _log(command, "test tests::test_below_zero ... FAILED\ntest result: FAILED. 0 passed; 1 failed")
    return CiRepo(Project(files, base.fixed, base.source), command, install, "", log)


CI_BUILDERS = {"js": js_ci, "go": go_ci, "rust": rust_ci}


def ci_repo(language: str) -> CiRepo:
    return CI_BUILDERS[language](project(language))
