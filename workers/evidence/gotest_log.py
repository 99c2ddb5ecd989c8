"""go test output, verbose (-v) or as JSON events (-json), including panics and build failures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import BUILD, CRASH, Evidence, Failure, Frame
from workers.evidence.paths import PathResolver

_RUN = re.compile(r"^=== (?:RUN|CONT|NAME)\s+(\S+)")
_RESULT = re.compile(r"^\s*--- (FAIL|PASS|SKIP): (\S+)(?: \(|\s*$)")
# A package's verdict: "FAIL\tpkg\t0.15s", "ok  \tpkg\t(cached)", "FAIL\tpkg [build failed]". The time or
# bracket is required: Jest prints "FAIL src/x.test.js" too.
_PACKAGE = re.compile(
    r"^(FAIL|ok)\s+(\S+)\s+(?:[\d.]+s|\[(build failed|setup failed)\]|\(cached\))(?:\s.*)?$"
)
_BUILD_HEADER = re.compile(r"^# (\S+)")
# t.Error/t.Log lines: "    fail_test.go:6: Error message" (indented under the test).
_LOG_LINE = re.compile(r"^\s+(\S+\.go):(\d+): ?(.*)$")
_COMPILE_ERROR = re.compile(r"^(\S+\.go):(\d+)(?::\d+)?: (.*)$")
_PANIC = re.compile(r"^panic: (.*)$")
# Goroutine dumps: a function line, then "\t/abs/path/file.go:6 +0x27".
_STACK_FILE = re.compile(r"^\t(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$")
_MAX_OUTPUT_LINES = 40
# A benchmark's name line starts its output, as "=== RUN" does for a test.
_BENCH = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s*$")


@dataclass
class _Test:
    name: str
    package: str | None = None
    output: list[str] = field(default_factory=list)
    failed: bool = False


@register
class GoTestParser(RunnerParser):
    name = "go"
    signature = re.compile(
        r"^\s*--- FAIL: \S+|^FAIL\s+\S+\s+(?:[\d.]+s|\[(?:build|setup) failed\])"
        r"|^\{.*\"Action\":\s*\"(?:run|fail|output)\"",
        re.M,
    )

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        tests: dict[tuple[str | None, str], _Test] = {}
        segment: list[_Test] = []  # failed tests since the last package line (plain -v output)
        current: _Test | None = None
        build_errors: dict[str, list[str]] = {}
        build_package: str | None = None
        crash: list[str] = []
        loose: list[str] = []  # package output outside any test: TestMain, init, the runtime
        for raw in lines:
            action, package, test_name, line = _event(raw)
            if line is None:
                if test_name and action == "fail":
                    test = tests.setdefault((package, test_name), _Test(test_name, package))
                    test.failed = True
                    if test not in segment:
                        segment.append(test)
                continue
            if test_name:
                current = tests.setdefault((package, test_name), _Test(test_name, package))
            run = _RUN.match(line) or _BENCH.match(line)
            if run:
                current = tests.setdefault((package, run.group(1)), _Test(run.group(1), package))
                build_package = None
                continue
            result = _RESULT.match(line)
            if result:
                test = tests.setdefault((package, result.group(2)), _Test(result.group(2), package))
                if result.group(1) == "FAIL" and not test.failed:
                    test.failed = True
                    segment.append(test)
                # Go before 1.14 printed a failed test's log lines after its result line.
                current = test if result.group(1) == "FAIL" else None
                continue
            header = _BUILD_HEADER.match(line)
            if header:
                build_package = header.group(1)
                build_errors[build_package] = []
                continue
            end = _PACKAGE.match(line)
            if end:
                pkg = end.group(2)
                self._end_package(pkg, end, segment, build_errors, crash + loose, resolver, failures)
                segment, crash, loose, current, build_package = [], [], [], None, None
                continue
            if build_package and _COMPILE_ERROR.match(line):
                build_errors[build_package].append(line)
                continue
            # After a panic everything up to the package's verdict is the goroutine dump.
            if (_PANIC.match(line) or crash) and len(crash) < _MAX_OUTPUT_LINES:
                crash.append(line)
                if current is not None and len(current.output) < _MAX_OUTPUT_LINES:
                    current.output.append(line)
                continue
            if current is not None and len(current.output) < _MAX_OUTPUT_LINES:
                current.output.append(line)
            elif current is None and len(loose) < _MAX_OUTPUT_LINES and not _is_noise(line):
                loose.append(line)
        for test in segment:
            failures.add(_test_failure(test, test.package, resolver))
        return Evidence(runner=self.name, failures=failures.items())

    def _end_package(
        self,
        pkg: str,
        end: re.Match[str],
        segment: list[_Test],
        build_errors: dict[str, list[str]],
        crash: list[str],
        resolver: PathResolver,
        failures: FailureList,
    ) -> None:
        for test in segment:
            failures.add(_test_failure(test, test.package or pkg, resolver))
        if end.group(1) != "FAIL" or segment:
            return
        if end.group(3):
            # An external test package builds as "# pkg_test [pkg.test]", fails as "FAIL pkg [build failed]".
            errors = build_errors.get(pkg) or next(
                (found for name, found in build_errors.items() if name.startswith(pkg + "_test")), []
            )
            frames = [_compile_frame(line, resolver) for line in errors]
            message = _COMPILE_ERROR.match(errors[0]).group(3) if errors else end.group(3)  # type: ignore[union-attr]
            failures.add(
                Failure(
                    test_id=pkg,
                    kind=BUILD,
                    error_type=end.group(3),
                    message=message,
                    frames=frames,
                    detail=errors[:12],
                    excerpt=excerpt_of([*errors, end.group(0)]),
                )
            )
        elif crash:
            panic = next((m for m in map(_PANIC.match, crash) if m), None)
            failures.add(
                Failure(
                    test_id=pkg,
                    kind=CRASH,
                    error_type="panic" if panic else None,
                    message=panic.group(1) if panic else crash[0].strip(),
                    frames=_stack_frames(crash, pkg, resolver),
                    detail=crash[:12],
                    excerpt=excerpt_of(crash),
                )
            )


def _is_noise(line: str) -> bool:
    text = line.strip()
    return text in ("", "PASS", "FAIL") or text.startswith(("exit status ", "coverage: "))


def _event(raw: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(action, package, test, output line) of a -json event; (None, None, None, raw) for a plain line."""
    if not (raw.startswith("{") and '"Action"' in raw):
        return None, None, None, raw
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):  # a line the tests printed, nested past the decoder's stack
        return None, None, None, raw
    action, package, test = event.get("Action"), event.get("Package"), event.get("Test")
    if action == "output":
        return action, package, test, str(event.get("Output", "")).rstrip("\n")
    return action, package, test, None


def _test_failure(test: _Test, package: str | None, resolver: PathResolver) -> Failure:
    frames: list[Frame] = []
    messages: list[str] = []
    for line in test.output:
        match = _LOG_LINE.match(line)
        if match:
            frames.append(_go_frame(match.group(1), int(match.group(2)), package, resolver))
            messages.append(match.group(3))
    frames.extend(_stack_frames(test.output, package, resolver))
    panic = next(filter(None, map(_PANIC.match, test.output)), None)
    if panic:
        # The panic is what stopped the test; t.Error lines before it are secondary.
        messages.insert(0, panic.group(1).removesuffix(" [recovered]"))
    detail = [line for line in test.output if not _RESULT.match(line) and not _RUN.match(line)][:12]
    return Failure(
        test_id=f"{package}.{test.name}" if package else test.name,
        error_type="panic" if panic else None,
        message=messages[0] if messages else "",
        frames=frames,
        detail=detail,
        excerpt=excerpt_of(test.output),
    )


def _stack_frames(lines: list[str], package: str | None, resolver: PathResolver) -> list[Frame]:
    frames: list[Frame] = []
    for previous, line in zip(["", *lines], lines, strict=False):
        match = _STACK_FILE.match(line)
        if match:
            function = previous.strip().rsplit("/", 1)[-1].split("(", 1)[0] or None
            frames.append(resolver.frame(match.group(1), int(match.group(2)), function))
    # Go prints the innermost call first; Frame lists are outermost first.
    return frames[::-1]


def _compile_frame(line: str, resolver: PathResolver) -> Frame:
    match = _COMPILE_ERROR.match(line)
    assert match is not None
    return resolver.frame(match.group(1), int(match.group(2)))


def _go_frame(file: str, line: int, package: str | None, resolver: PathResolver) -> Frame:
    """t.Error lines name the file only; with a checkout and its go.mod, the package gives the directory."""
    root = resolver.repo_root
    if root is not None and package and "/" not in file:
        module = _module_of(root)
        if module and (package == module or package.startswith(module + "/")):
            directory = package[len(module) + 1 :]
            candidate = f"{directory}/{file}" if directory else file
            return resolver.frame(candidate, line)
    return resolver.frame(file, line)


@lru_cache(maxsize=16)
def _module_of(root: Path) -> str | None:
    try:
        text = (root / "go.mod").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(r"^module\s+(\S+)", text, re.M)
    return match.group(1) if match else None
