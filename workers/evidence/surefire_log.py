"""Maven Surefire (and Failsafe) console output, and the javac errors Maven prints before tests can run."""

from __future__ import annotations

import re
from pathlib import Path

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import BUILD, Evidence, Failure, Frame
from workers.evidence.paths import PathResolver

# 3.x: "[ERROR] com.x.CalcTest.meanOfThree -- Time elapsed: 0.03 s <<< FAILURE!";
# 2.22: "[ERROR] meanOfThree(com.x.CalcTest)  Time elapsed: 0.03 s  <<< FAILURE!";
# before 2.19 the same without "[ERROR] " and with "sec".
_TEST_HEAD = re.compile(
    r"^(?:\[ERROR\] )?(?!Tests run:)(?P<id>[\w.$#\[\]]+?)(?:\((?P<cls>[\w.$]+)\))?\s+(?:-- )?"
    r"Time elapsed: [\d.,]+ s(?:ec)?\s+<<< (?P<verdict>FAILURE|ERROR)!\s*$"
)
_EXCEPTION = re.compile(r"^(?:Caused by: )?(?P<type>[a-zA-Z_$][\w$]*(?:\.[\w$]+)*)(?:: (?P<msg>.*))?$")
_AT = re.compile(r"^\s+at (?P<cls>[\w.$]+)\.(?P<method>[\w$<>]+)\((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")
# The Results section: "[ERROR] Failures:" then "[ERROR]   Class.method:42 message"; before 2.19 the groups
# were "Failed tests:" and "Tests in error:" with items indented two spaces.
_RESULTS_GROUP = re.compile(r"^(?:\[ERROR\] )?(Failures|Errors|Failed tests|Tests in error): ?$")
_RESULTS_ITEM = re.compile(r"^(?:\[ERROR\])?\s{2,}(?P<id>[\w.$]+?)(?::(?P<line>\d+))?(?:\s+(?P<msg>.*))?$")
_TOTALS = re.compile(
    r"^(?:\[(?:ERROR|WARNING|INFO)\] )?Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$"
)
_JAVAC = re.compile(r"^\[ERROR\] (?P<path>\S+\.(?:java|kt|scala|groovy)):\[(?P<line>\d+),\d+\] (?P<msg>.*)$")
# Frames from these packages are the JDK's, the test framework's or the build tool's, never the repository's.
_LIBRARY_PACKAGES = (
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "kotlin.",
    "scala.",
    "org.junit.",
    "junit.",
    "org.opentest4j.",
    "org.apache.maven.",
    "org.springframework.",
    "org.mockito.",
    "org.hamcrest.",
    "org.assertj.",
    "org.testng.",
)
_SOURCE_ROOTS = ("src/main/java", "src/test/java", "src/main/kotlin", "src/test/kotlin", "")


@register
class SurefireParser(RunnerParser):
    name = "surefire"
    signature = re.compile(
        r"<<< (?:FAILURE|ERROR)!\s*$|^\[(?:ERROR|INFO)\] Tests run: \d+|^\[ERROR\] \S+\.java:\[\d+", re.M
    )

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        totals: list[int] | None = None
        group: str | None = None
        for index, line in enumerate(lines):
            head = _TEST_HEAD.match(line)
            if head:
                failures.add(self._test(head, lines, index, resolver))
                continue
            javac = _JAVAC.match(line)
            if javac:
                frame = resolver.frame(javac["path"], int(javac["line"]))
                failures.add(
                    Failure(
                        test_id=f"{frame.path}:{frame.line}",
                        kind=BUILD,
                        error_type="compilation error",
                        message=javac["msg"],
                        frames=[frame],
                        detail=[line],
                        excerpt=line,
                    )
                )
                continue
            group_match = _RESULTS_GROUP.match(line)
            if group_match:
                group = group_match.group(1)
                continue
            item = _RESULTS_ITEM.match(line) if group else None
            if item and not item["id"].startswith("Run"):
                if not any(_same_test(f.test_id, item["id"]) for f in failures.items()):
                    failures.add(Failure(test_id=item["id"], message=item["msg"] or ""))
                continue
            group = None
            totals_match = _TOTALS.match(line)
            if totals_match and "Time elapsed" not in line:
                numbers = [int(n) for n in totals_match.groups()]
                # Each module prints its own totals; a multi-module build is the sum of them.
                totals = numbers if totals is None else [a + b for a, b in zip(totals, numbers, strict=True)]
        return Evidence(
            runner=self.name,
            failures=failures.items(),
            summary_failed=totals[1] if totals else None,
            summary_errors=totals[2] if totals else None,
            summary_passed=(totals[0] - totals[1] - totals[2] - totals[3]) if totals else None,
        )

    def _test(self, head: re.Match[str], lines: list[str], index: int, resolver: PathResolver) -> Failure:
        name = head["id"].replace("#", ".")
        test_id = f"{head['cls']}.{name}" if head["cls"] else name
        failure = Failure(test_id=test_id, error_type=None)
        body: list[str] = []
        for line in lines[index + 1 : index + 80]:
            if not line.strip() or (line.startswith("[") and not line.startswith("[ERROR]   ")):
                break
            body.append(line)
            at = _AT.match(line)
            if at:
                failure.frames.append(_java_frame(at, resolver))
                continue
            exception = _EXCEPTION.match(line.strip()) if not line.startswith((" ", "\t")) else None
            if exception and failure.error_type is None:
                failure.error_type = exception["type"]
                failure.message = (exception["msg"] or "").strip()
                failure.detail = [line.strip()]
        # Java prints the innermost call first; Frame lists are outermost first.
        failure.frames.reverse()
        failure.excerpt = excerpt_of([lines[index], *body])
        return failure


def _same_test(full: str, short: str) -> bool:
    """ "com.x.CalcTest.meanOfThree" and the Results section's "CalcTest.meanOfThree" are one test."""
    return full == short or full.endswith("." + short)


def _java_frame(at: re.Match[str], resolver: PathResolver) -> Frame:
    cls, file = at["cls"], at["file"]
    line = int(at["line"]) if at["line"] else None
    outer = cls.split("$", 1)[0]
    if outer.startswith(_LIBRARY_PACKAGES) or file in ("Native Method", "Unknown Source"):
        return Frame(
            path=f"{outer.replace('.', '/')}.java" if "." in outer else file,
            line=line,
            function=at["method"],
            in_repo=False,
        )
    package = outer.rsplit(".", 1)[0].replace(".", "/") if "." in outer else ""
    relative = f"{package}/{file}" if package else file
    root = resolver.repo_root
    if root is not None:
        for source_root in _SOURCE_ROOTS:
            candidate = f"{source_root}/{relative}" if source_root else relative
            if (Path(root) / candidate).is_file():
                return Frame(path=candidate, line=line, function=at["method"], in_repo=True)
        return Frame(path=relative, line=line, function=at["method"], in_repo=False)
    # Without a checkout the package path is the best repository-relative guess a stack trace allows.
    return Frame(path=relative, line=line, function=at["method"], in_repo=True)
