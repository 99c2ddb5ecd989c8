"""Turn raw log lines (Actions timestamps, ANSI colour, workflow commands) into what the runner printed."""

from __future__ import annotations

import re

# Colour and cursor sequences; some logs lose the ESC byte on the way (copied from a web page), so a bare
# "[31m" at a word boundary is stripped too, but only the SGR form, which nothing else prints.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_BARE_SGR = re.compile(
    # Not inside a word ("[31mERROR"), or closing one before a blank ("ERROR[0m "): "test_x[10m]" is an id.
    r"(?<![\w\[])\[(?:\d{1,3}(?:;\d{1,3})*)?m|\[(?:\d{1,3}(?:;\d{1,3})*)?m(?=[\s\[]|$)"
)
# GitHub Actions stamps every line of a raw job log with an ISO-8601 time in UTC (7 fractional digits);
# `gh run view --log` puts the job's and the step's names before it, tab-separated.
_ACTIONS_STAMP = re.compile(r"^(?:[^\t\n]*\t[^\t\n]*\t)?\ufeff?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
# Workflow commands the runner writes into the log: folds, errors, warnings and echoed commands.
_WORKFLOW_CMD = re.compile(r"^##\[(group|endgroup|error|warning|notice|debug|command|section)\]")


def clean_line(line: str) -> str | None:
    """The line as the test runner printed it, or None when it is Actions bookkeeping with nothing to say."""
    line = line.rstrip("\r\n")
    if line.startswith("\ufeff"):
        line = line[1:]
    line = _ACTIONS_STAMP.sub("", line, count=1)
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    if "[" in line and "m" in line:
        line = _BARE_SGR.sub("", line)
    if line.startswith("##["):
        match = _WORKFLOW_CMD.match(line)
        if match:
            if match.group(1) == "endgroup":
                return None
            # "##[error]Process completed with exit code 1." keeps its text: it is the step's verdict.
            line = line[match.end() :]
    # Carriage returns inside a line are progress redraws; what is left after the last one is what shows.
    if "\r" in line:
        line = line.rsplit("\r", 1)[-1]
    return line


def clean_text(text: str) -> list[str]:
    """All lines of a log, cleaned; Actions bookkeeping lines are dropped."""
    out: list[str] = []
    for raw in text.splitlines():
        line = clean_line(raw)
        if line is not None:
            out.append(line)
    return out
