"""cargo test (libtest) output: per-test panics, the failures list, the result line, and rustc errors."""

from __future__ import annotations

import re

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import BUILD, TEST, Evidence, Failure, Frame
from workers.evidence.paths import PathResolver

_SECTION = re.compile(r"^---- (\S+) stdout ----$")
# Rust 1.73+: "thread 'x' (id) panicked at src/lib.rs:16:9:" then the message on its own lines;
# older Rust: "thread 'x' panicked at 'msg', src/lib.rs:16:9".
_PANIC = re.compile(
    r"^thread '(?P<thread>[^']+)'(?: \(\d+\))? panicked at "
    r"(?:'(?P<old>.*)', )?(?P<path>[^\s:]+):(?P<line>\d+):\d+:?$"
)
_BACKTRACE_FN = re.compile(r"^\s+\d+: (\S.*)$")
_BACKTRACE_AT = re.compile(r"^\s+at (\S+?):(\d+):\d+$")
_FAILURES_LIST = re.compile(r"^failures:$")
_LISTED = re.compile(r"^    (\S+)$")
_RESULT = re.compile(r"^test result: (?:FAILED|ok)\. (.*)$")
_COUNT = re.compile(r"(\d+) (passed|failed|ignored)")
_VERDICT = re.compile(r"^test (\S+) \.\.\. FAILED$")
_RUSTC_ERROR = re.compile(r"^error(?:\[E\d+\])?: (.*)$")
_RUSTC_AT = re.compile(r"^\s*--> (\S+?):(\d+):\d+$")


@register
class CargoParser(RunnerParser):
    name = "cargo"
    signature = re.compile(r"^test result: |^---- \S+ stdout ----$|^error: could not compile `", re.M)

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        counts: dict[str, int] | None = None
        in_list = False
        index = 0
        while index < len(lines):
            line = lines[index]
            section = _SECTION.match(line)
            if section:
                end = index + 1
                while end < len(lines) and not (
                    _SECTION.match(lines[end])
                    or _FAILURES_LIST.match(lines[end])
                    or _RESULT.match(lines[end])
                ):
                    end += 1
                failures.add(_test_failure(section.group(1), lines[index + 1 : end], resolver))
                index = end
                continue
            if _FAILURES_LIST.match(line):
                in_list = True
            elif in_list:
                listed = _LISTED.match(line)
                if listed:
                    failures.add(Failure(test_id=listed.group(1)))
                elif line.strip():
                    in_list = False
            verdict = _VERDICT.match(line)
            if verdict:
                failures.add(Failure(test_id=verdict.group(1)))
            result = _RESULT.match(line)
            if result:
                counts = counts or {}
                for number, word in _COUNT.findall(result.group(1)):
                    counts[word] = counts.get(word, 0) + int(number)
            error = _RUSTC_ERROR.match(line)
            if error and index + 1 < len(lines):
                at = _RUSTC_AT.match(lines[index + 1])
                if at:
                    frame = resolver.frame(at.group(1), int(at.group(2)))
                    block = lines[index : index + 12]
                    failures.add(
                        Failure(
                            test_id=f"{frame.path}:{frame.line}",
                            kind=BUILD,
                            error_type="compile error",
                            message=error.group(1),
                            frames=[frame],
                            detail=block,
                            excerpt=excerpt_of(block),
                        )
                    )
            index += 1
        return Evidence(
            runner=self.name,
            failures=failures.items(),
            summary_failed=counts.get("failed", 0) if counts is not None else None,
            summary_passed=counts.get("passed", 0) if counts is not None else None,
        )


def _test_failure(test_id: str, body: list[str], resolver: PathResolver) -> Failure:
    failure = Failure(test_id=test_id, kind=TEST, excerpt=excerpt_of(body))
    panic_frame: Frame | None = None
    trace: list[Frame] = []
    function: str | None = None
    for index, line in enumerate(body):
        panic = _PANIC.match(line)
        if panic:
            failure.error_type = "panic"
            panic_frame = resolver.frame(panic["path"], int(panic["line"]))
            message = [panic["old"]] if panic["old"] else []
            for follow in body[index + 1 :]:
                if not follow.strip() or follow.startswith(("note:", "stack backtrace:")):
                    break
                message.append(follow.rstrip())
            failure.message = message[0] if message else ""
            failure.detail = [line, *message][:12]
            continue
        fn = _BACKTRACE_FN.match(line)
        if fn:
            function = fn.group(1).split("::{{closure}}", 1)[0]
            continue
        at = _BACKTRACE_AT.match(line)
        if at:
            trace.append(resolver.frame(at.group(1), int(at.group(2)), function))
    # A backtrace lists the innermost call first; without one, the panic location is the only frame.
    failure.frames = trace[::-1] if trace else ([panic_frame] if panic_frame else [])
    return failure
