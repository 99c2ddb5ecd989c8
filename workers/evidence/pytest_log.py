"""pytest's terminal output: FAILURES/ERRORS entries in any --tb style, the short summary, the counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import COLLECTION, TEST, Evidence, Failure, Frame
from workers.evidence.paths import PathResolver
from workers.evidence.pytest_entry import LINE_STYLE, read_entry
from workers.evidence.pytraceback import looks_like_exception

_HEADER = re.compile(r"^={3,} ?(.*?) ?={3,}$")
_ENTRY = re.compile(r"^_{3,} (.+?) _{3,}$")
_CAPTURED = re.compile(r"^-{3,} Captured .* -{3,}$")
_ROOTDIR = re.compile(r"^rootdir: (.+?)(?:, (?:configfile|inifile|testpaths): .*)?$")
_SUMMARY_ITEM = re.compile(r"^(?P<verdict>FAILED|ERROR) (?P<id>[^\s\[]+(?:\[.*?\])?)(?: - (?P<msg>.*))?\s*$")
_PROGRESS = re.compile(r"^(?P<id>\S+::\S.*?) (?P<verdict>FAILED|ERROR)(?: +\[ *\d+%\])?\s*$")
_XDIST = re.compile(r"^\[gw\d+\] \[ *\d+%\] (?P<verdict>FAILED|ERROR) (?P<id>\S+::.+?)\s*$")
_COUNT = re.compile(r"(\d+) (failed|passed|errors?|skipped|xfailed|xpassed|warnings?|deselected|rerun)\b")
_COUNTS_LINE = re.compile(
    r"^(?:\d+ \w+(?: \w+)?(?:, )?)+ in [\d.]+ ?s(?:econds)?\b.*$|^no tests ran in [\d.]+ ?s"
)
_SUMMARY_TYPE = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")
# A conftest.py that fails to import stops pytest before any session starts; this line is all it prints first.
_CONFTEST = re.compile(r"^ImportError while loading conftest '(.+)'\.$")


@dataclass
class _Entry:
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass
class _State:
    section: str = ""
    entries: list[_Entry] = field(default_factory=list)
    line_style: list[str] = field(default_factory=list)
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (verdict, id, message)
    counts: dict[str, int] = field(default_factory=dict)
    saw_counts: bool = False


@register
class PytestParser(RunnerParser):
    name = "pytest"
    signature = re.compile(
        r"^=+ test session starts =+$|^(?:FAILED|ERROR) \S+::\S|^=+ (?:FAILURES|ERRORS) =+$|"
        r"^=+ short test summary info =+$|^ImportError while loading conftest '"
        # With -q and -rN only the counts are left.
        r"|^\d+ (?:failed|passed|errors?)(?:, \d+ \w+)* in [\d.]+s\b",
        re.M,
    )

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        state = _State()
        self._scan(lines, state, resolver)
        failures = FailureList()
        used: set[str] = set()
        by_short_name: dict[str, list[str]] = {}
        for _verdict, test_id, _message in state.summary:
            by_short_name.setdefault(_short_name(test_id), []).append(test_id)
        for entry in state.entries:
            failure = self._from_entry(entry, by_short_name, used, resolver)
            if failure is not None:
                failures.add(failure)
        located = _line_style(state, resolver)
        for verdict, test_id, message in state.summary:
            kind = COLLECTION if verdict == "ERROR" and "::" not in test_id else TEST
            if (kind, test_id) not in failures:
                failures.add(
                    located.get(test_id) or Failure(test_id=test_id, kind=kind, **_summary_error(message))
                )
        return Evidence(
            runner=self.name,
            failures=failures.items(),
            summary_failed=state.counts.get("failed", 0) if state.saw_counts else None,
            summary_passed=state.counts.get("passed", 0) if state.saw_counts else None,
            summary_errors=state.counts.get("errors", 0) if state.saw_counts else None,
        )

    def _scan(self, lines: list[str], state: _State, resolver: PathResolver) -> None:
        entry: _Entry | None = None
        captured = False
        # Tests of pytest itself print whole inner sessions in their captured output: headers inside those
        # belong to the inner session and must not switch our sections or add to our counts.
        nested = 0
        for line in lines:
            header = _HEADER.match(line)
            if header:
                title = header.group(1).strip()
                if captured and title.startswith("test session starts"):
                    nested += 1
                    continue
                if nested:
                    if _COUNTS_LINE.match(title):
                        nested -= 1
                    continue
                captured = False
                entry = None
                if _COUNTS_LINE.match(title):
                    _add_counts(state, title)
                    state.section = ""
                else:
                    state.section = title.lower()
                continue
            if nested:
                continue
            conftest = _CONFTEST.match(line)
            if conftest:
                # Read on as an entry of the ERRORS section: the traceback that follows has the same form.
                entry = _Entry(f"ERROR collecting {resolver.relative(conftest.group(1))[0]}")
                state.entries.append(entry)
                state.section, captured = "errors", False
                continue
            entry_match = _ENTRY.match(line)
            if entry_match:
                captured = False
                entry = None
                if state.section in ("failures", "errors"):
                    entry = _Entry(entry_match.group(1).strip())
                    state.entries.append(entry)
                continue
            if _CAPTURED.match(line):
                captured = True
                continue
            if state.section in ("failures", "errors"):
                if entry is not None:
                    if not captured:
                        entry.lines.append(line)
                elif LINE_STYLE.match(line):
                    state.line_style.append(line)
                continue
            if state.section.startswith("short test summary"):
                item = _SUMMARY_ITEM.match(line)
                if item:
                    state.summary.append((item["verdict"], item["id"], item["msg"] or ""))
                    continue
                if _COUNTS_LINE.match(line.strip()):
                    # -q prints the counts without the rule of equals signs; they end the session.
                    _add_counts(state, line.strip())
                    state.section = ""
                    continue
            if state.section.startswith("test session starts") or not state.section:
                root = _ROOTDIR.match(line)
                if root:
                    resolver.add_root(root.group(1).strip(), base=True)
                    continue
                progress = _PROGRESS.match(line) or _XDIST.match(line)
                if progress:
                    state.summary.append((progress["verdict"], progress["id"], ""))
                    continue
                if not state.section and _COUNTS_LINE.match(line.strip()):
                    _add_counts(state, line.strip())

    def _from_entry(
        self, entry: _Entry, by_short_name: dict[str, list[str]], used: set[str], resolver: PathResolver
    ) -> Failure | None:
        title = entry.title
        kind = TEST
        if title.startswith("ERROR collecting "):
            kind, name = COLLECTION, title[len("ERROR collecting ") :].strip()
        elif title.startswith(("ERROR at setup of ", "ERROR at teardown of ")):
            name = title.split(" of ", 1)[1].strip()
        elif title.startswith("[doctest] "):
            name = title[len("[doctest] ") :].strip()
        else:
            name = title
        if not name or name == "summary":
            return None
        reading = read_entry(entry.lines, resolver)
        test_id = name if kind == COLLECTION else _node_id(name, by_short_name, used, reading.frames)
        used.add(test_id)
        return Failure(
            test_id=test_id,
            kind=kind,
            error_type=reading.error_type,
            message=reading.message,
            frames=reading.frames,
            detail=reading.detail,
            excerpt=excerpt_of(entry.lines),
        )


def _line_style(state: _State, resolver: PathResolver) -> dict[str, Failure]:
    """--tb=line prints one "path:line: message" per failure (the innermost frame), in the summary's order."""
    matches = [match for match in map(LINE_STYLE.match, state.line_style) if match]
    failed = list(dict.fromkeys(test_id for verdict, test_id, _msg in state.summary if verdict == "FAILED"))
    if not matches or len(matches) != len(failed):
        return {}
    located = {}
    for test_id, match in zip(failed, matches, strict=True):
        frame = resolver.frame(match["path"], int(match["line"]))
        located[test_id] = Failure(
            test_id=test_id,
            frames=[frame],
            detail=[match.group(0)],
            excerpt=match.group(0),
            **_summary_error(match["msg"]),
        )
    return located


def _node_id(name: str, by_short_name: dict[str, list[str]], used: set[str], frames: list[Frame]) -> str:
    """The full node id for a FAILURES entry titled with the short name ("Class.test_x[param]")."""
    candidates = [test_id for test_id in by_short_name.get(name, ()) if test_id not in used]
    if len(candidates) > 1:
        files = {frame.path for frame in frames}
        in_files = [c for c in candidates if c.split("::", 1)[0] in files]
        candidates = in_files or candidates
    if candidates:
        return candidates[0]
    # No summary (--tb without -r, or a cut log): the test function's own frame names its file.
    base = name.split("[", 1)[0]
    function = base.rsplit(".", 1)[-1]
    for frame in frames:
        if frame.in_repo and frame.function == function:
            return f"{frame.path}::{base.replace('.', '::')}{name[len(base) :]}"
    for frame in frames:
        if frame.in_repo:
            return f"{frame.path}::{base.replace('.', '::')}{name[len(base) :]}"
    return name


def _short_name(test_id: str) -> str:
    """ "tests/x.py::TestA::test_b[1]" -> "TestA.test_b[1]", the way pytest titles a FAILURES entry."""
    if "::" not in test_id:
        return test_id
    rest = test_id.split("::", 1)[1]
    base, bracket, params = rest.partition("[")
    return base.replace("::", ".") + bracket + params


def _summary_error(message: str) -> dict:
    """Error type and message from a short-summary line, whose message pytest may have cut with "..."."""
    message = message.strip()
    match = _SUMMARY_TYPE.match(message)
    if match and looks_like_exception(match.group(1)) and not message.startswith(match.group(1) + "..."):
        rest = message[len(match.group(1)) :].lstrip(":").strip()
        return {"error_type": match.group(1), "message": rest}
    return {"error_type": "AssertionError" if message.startswith("assert ") else None, "message": message}


def _add_counts(state: _State, title: str) -> None:
    state.saw_counts = True
    for number, word in _COUNT.findall(title):
        key = "errors" if word.startswith("error") else word
        state.counts[key] = state.counts.get(key, 0) + int(number)
