"""Ask the test runner for a machine-readable report of its run, where that is safe, and collect the report.

pytest is asked for one (`--junitxml`): its terminal output is ambiguous where a test id holds spaces,
" - " or brackets, the report is not. Maven's Surefire writes its reports anyway (target/surefire-reports);
stale ones are removed before the run so that only this run's are read. `go test` is asked for its event
stream (`-json`), which says which tests passed as well as which failed; the stream replaces the output,
so the output is rebuilt from it as the plain text the model and the people reading it expect. A command
this module does not recognise as a plain pytest, Maven or go test call (a pipeline, a `cd x && ...`, a
wrapper such as tox) runs unchanged and is read from its output, as before.

The report is written by the code under test, so it is collected like untrusted input: only a regular file
(not a link) directly in the run's directory, at most MAX_REPORT_BYTES, removed after the run whatever
happens. Parsing it is workers/evidence/structured.py's job.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import stat
import uuid
from dataclasses import replace
from pathlib import Path

from workers.evidence.test2json import has_events, plain_text
from workers.runners.process import CommandRunner, RunResult

JUNIT = "junit"
SUREFIRE = "surefire"
GO_JSON = "go-json"
# Where Surefire writes, in the project and in modules up to two levels down.
_SUREFIRE_GLOBS = tuple(f"{'*/' * depth}target/surefire-reports/TEST-*.xml" for depth in range(3))
# A report of a few thousand tests with short tracebacks is well under 1 MB (for Surefire: all its files).
MAX_REPORT_BYTES = 4_000_000
# Shell operators: a command holding one is not a single pytest call, and an appended option would reach
# whatever comes last.
_OPERATORS = frozenset("();<>|&")
_PYTHON = re.compile(r"python[\d.]*")
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*=.*", re.DOTALL)
# Each Surefire report opens with one; the reports are joined under one <testsuites>, where none may be.
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")
# pytest's own words when an option is unknown to it (a repository that disables the junitxml plugin).
_UNKNOWN_OPTION = re.compile(r"error: unrecognized arguments: .*--junitxml")
# go test's flags that make an appended -json wrong: it asks for the stream already, or it compiles without
# running (-c), or what follows it goes to the test binary (-args; "--" is not documented, so not guessed at).
_GO_REFUSED = frozenset(("json", "c", "args", ""))
# Go before 1.10, which has no -json.
_GO_UNKNOWN_FLAG = "flag provided but not defined: -json"


def run_with_report(
    runner: CommandRunner, command: str, cwd: Path, *, timeout_s: float, output_limit: int
) -> RunResult:
    """`runner.run(command, cwd, ...)`, with the runner's report in `report` when it wrote one.

    The RunResult names `command` as given, whatever option was added to it.
    """
    words = _words(command)
    if words is not None and _program(words) in ("mvn", "mvnw"):
        return _run_surefire(runner, command, cwd, timeout_s=timeout_s, output_limit=output_limit)
    go_json = with_go_json(command)
    if go_json is not None:
        return _run_go_json(runner, command, go_json, cwd, timeout_s=timeout_s, output_limit=output_limit)
    name = f".codellama-report-{uuid.uuid4().hex}.xml"
    reporting = with_junit_report(command, name)
    if reporting is None:
        return runner.run(command, cwd, timeout_s=timeout_s, output_limit=output_limit)
    path = cwd / name
    try:
        run = runner.run(reporting, cwd, timeout_s=timeout_s, output_limit=output_limit)
        report = read_report(path)
    finally:
        _remove(path)
    if report is None and run.exit_code == 4 and _UNKNOWN_OPTION.search(run.output):
        # The option itself broke the run: run the command as it was given.
        return runner.run(command, cwd, timeout_s=timeout_s, output_limit=output_limit)
    if report is None:
        return replace(run, command=command)
    return replace(run, command=command, report=report, report_format=JUNIT)


def _run_surefire(
    runner: CommandRunner, command: str, cwd: Path, *, timeout_s: float, output_limit: int
) -> RunResult:
    for path in surefire_reports(cwd):
        _remove(path)
    run = runner.run(command, cwd, timeout_s=timeout_s, output_limit=output_limit)
    texts: list[str] = []
    for path in surefire_reports(cwd):
        text = read_report(path)
        if text is None or sum(map(len, texts)) + len(text) > MAX_REPORT_BYTES:
            return run  # one unreadable report would hide that class's failures: the output decides
        texts.append(_XML_DECLARATION.sub("", text, count=1))
    if not texts:
        return run
    return replace(run, report="<testsuites>" + "".join(texts) + "</testsuites>", report_format=SUREFIRE)


def _run_go_json(
    runner: CommandRunner, command: str, go_json: str, cwd: Path, *, timeout_s: float, output_limit: int
) -> RunResult:
    run = runner.run(go_json, cwd, timeout_s=timeout_s, output_limit=output_limit)
    if not has_events(run.output):
        if _GO_UNKNOWN_FLAG in run.output:
            return runner.run(command, cwd, timeout_s=timeout_s, output_limit=output_limit)
        return replace(run, command=command)  # no test ran (go missing, no module): the output says why
    text = plain_text(run.output)
    if run.output_truncated:
        # A stream cut in the middle under-counts what passed and may miss failures: not a report.
        return replace(run, command=command, output=text)
    return replace(run, command=command, output=text, report=run.output, report_format=GO_JSON)


def with_go_json(command: str) -> str | None:
    """`command` with go test asked for its -json event stream, or None when it is not a plain `go test`
    call whose options this module understands.

    -v is no obstacle: the stream holds what -v prints, and go test accepts both.
    """
    words = _words(command)
    if words is None:
        return None
    assignments = words[: len(words) - len(_command_words(words))]
    words = _command_words(words)
    if len(words) < 2 or Path(words[0]).name != "go" or words[1] != "test":
        return None
    if any(w.startswith("GOFLAGS=") and "json" in w for w in assignments):
        return None
    for word in words[2:]:
        if word.startswith("#"):
            return None  # a comment: the appended flag would be part of it
        if word.startswith("-") and word.lstrip("-").split("=", 1)[0] in _GO_REFUSED:
            return None
    return f"{command} -json"


def surefire_reports(cwd: Path) -> list[Path]:
    """This checkout's Surefire reports, never through a link out of it."""
    top = cwd.resolve()
    found = {path for pattern in _SUREFIRE_GLOBS for path in cwd.glob(pattern)}
    return sorted(path for path in found if path.parent.resolve().is_relative_to(top))


def with_junit_report(command: str, report_name: str) -> str | None:
    """`command` with pytest asked for a JUnit XML report at `report_name` (relative to the directory the
    command runs in), or None when the command is not a plain pytest call or already asks for a report.

    xunit1 is asked for because only it names each test's file, which turns a report entry back into the
    node id pytest prints.
    """
    words = _words(command)
    if words is None or not _is_pytest(words):
        return None
    if any(w.startswith(("--junitxml", "--junit-xml", "--junit-prefix")) or w == "--" for w in words):
        return None
    if "no:junitxml" in words:
        return None
    return f"{command} --junitxml={shlex.quote(report_name)} -o junit_family=xunit1"


def read_report(path: Path) -> str | None:
    """The report's text, or None when there is none, it is not a regular file, too large, or not UTF-8."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_REPORT_BYTES:
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        return None  # grew while being read
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _remove(path: Path) -> None:
    """Remove whatever the run left at the report's path: the report, or what the tests put there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)  # does not follow links inside
    with contextlib.suppress(OSError):
        path.unlink()


def _words(command: str) -> list[str] | None:
    if "\n" in command or "\r" in command:
        return None
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # a comment's words are kept, so that an option is never appended into one
    try:
        words = list(lexer)
    except ValueError:
        return None
    if any(word and set(word) <= _OPERATORS for word in words):
        return None
    return words


def _program(words: list[str]) -> str:
    """The program's name, after any VAR=value words (PYTHONPATH=. pytest)."""
    words = _command_words(words)
    return Path(words[0]).name if words else ""


def _command_words(words: list[str]) -> list[str]:
    while words and _ASSIGNMENT.fullmatch(words[0]):
        words = words[1:]
    return words


def _is_pytest(words: list[str]) -> bool:
    program = _program(words)
    if program in ("pytest", "py.test"):
        return True
    return bool(_PYTHON.fullmatch(program)) and _command_words(words)[1:3] == ["-m", "pytest"]
