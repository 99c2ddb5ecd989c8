"""Structured failure evidence, as parsed from test-runner and CI output."""

from __future__ import annotations

from dataclasses import dataclass, field

# What a Failure stands for. Only TEST failures name a test; the others name what broke instead (a module
# that failed to import during collection, a package that failed to build, a process that crashed outside
# any test).
TEST = "test"
COLLECTION = "collection"
BUILD = "build"
CRASH = "crash"


class ReportUnusable(ValueError):
    """A test runner's machine-readable report cannot be trusted to say which tests failed; the output decides
    instead."""


@dataclass(frozen=True)
class Frame:
    """One stack frame. `path` is repository-relative when `in_repo`, else as the log printed it."""

    path: str
    line: int | None
    function: str | None = None
    in_repo: bool = True


@dataclass
class Failure:
    """One failing test (or a collection/import/syntax error that stands in for one).

    `test_id` is the id the runner itself uses: pytest node ids ("tests/x.py::TestA::test_b[1]", also for
    sympy's runner), unittest/Django dotted ids ("module.Class.test_b"), "package.TestName/subtest" for go
    test, "file > describe > test" for Jest and Vitest, "module::test" for cargo, "com.pkg.Class.method" for
    Surefire. For other kinds it names what broke: the test module, the go package, the file:line of a
    compiler error, or the script that crashed.
    """

    test_id: str
    error_type: str | None = None
    message: str = ""
    # Outermost first, as the runners print them; the innermost frame is the last.
    frames: list[Frame] = field(default_factory=list)
    # The slice of the log that belongs to this failure, trimmed for a prompt.
    excerpt: str = ""
    # One of TEST, COLLECTION, BUILD, CRASH.
    kind: str = TEST
    # The lines that say what went wrong: the failing source line and the assertion or error text.
    detail: list[str] = field(default_factory=list)

    @property
    def repo_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.in_repo]


@dataclass
class Evidence:
    """Everything a log told us: the failures, the runner, and the runner's own counts if it printed them."""

    runner: str
    failures: list[Failure] = field(default_factory=list)
    summary_failed: int | None = None
    summary_passed: int | None = None
    summary_errors: int | None = None
    # Set when parse_log_file dropped part of a log to stay within its bounds.
    truncated: bool = False

    @property
    def failing_test_ids(self) -> list[str]:
        return [f.test_id for f in self.failures]
