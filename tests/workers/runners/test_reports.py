"""Asking pytest for a JUnit report: which commands get the option, and collecting what the run wrote, on
the unsandboxed runner and in the sandbox, including reports the code under test tampered with."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from workers.evidence import parse_log
from workers.loop.selection import read_run
from workers.loop.targeted import targeted_command
from workers.runners.process import LocalRunner, RunResult
from workers.runners.reports import JUNIT, MAX_REPORT_BYTES, read_report, run_with_report, with_junit_report
from workers.runners.sandbox import BubblewrapRunner, SandboxLimits, sandbox_available

PYTEST = f"{sys.executable} -m pytest -q -rfE --tb=short -p no:cacheprovider"
LIMITS = SandboxLimits(
    cpu_s=60, memory_mb=1024, max_procs=64, max_file_mb=16, wall_s=120, output_bytes=500_000
)
# Parameters whose ids pytest's terminal output cannot delimit: "]" inside the brackets, " - " after it.
AMBIGUOUS = """import pytest

@pytest.mark.parametrize("s", ["a]b", "ok", "x] - y"])
def test_param(s):
    assert s == "ok"
"""
EXACT_IDS = {"tests/test_x.py::test_param[a]b]", "tests/test_x.py::test_param[x] - y]"}


@pytest.mark.parametrize(
    "command",
    [
        "pytest",
        "py.test -x tests",
        "python -m pytest -q",
        "/usr/bin/python3.11 -m pytest -q -rfE 'tests/t.py::test[a b]'",
        "PYTHONPATH=. LANG=C pytest -q",
    ],
)
def test_plain_pytest_commands_are_asked_for_a_report(command: str) -> None:
    assert with_junit_report(command, "r.xml") == f"{command} --junitxml=r.xml -o junit_family=xunit1"


@pytest.mark.parametrize(
    "command",
    [
        "cd sub && pytest",
        "pytest | tee log",
        "pytest; echo done",
        "pytest > out.txt",
        "(pytest)",
        "pytest\nrm -rf .",
        "pytest 'unbalanced",
        "tox -e py311",
        "make test",
        "npm test",
        "python -m unittest",
        "python -c pytest",
        "pytest --junitxml=own.xml",
        "pytest --junit-xml own.xml",
        "pytest -p no:junitxml",
        "pytest -- -x",
        "",
    ],
)
def test_other_commands_run_unchanged(command: str) -> None:
    assert with_junit_report(command, "r.xml") is None


def _project(root: Path, tests: str, conftest: str = "") -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_x.py").write_text(tests)
    if conftest:
        (root / "conftest.py").write_text(conftest)
    return root


def test_the_report_decides_where_the_output_is_ambiguous(tmp_path: Path) -> None:
    root = _project(tmp_path, AMBIGUOUS)
    run = run_with_report(LocalRunner(), PYTEST, root, timeout_s=120, output_limit=1_000_000)
    assert run.command == PYTEST and run.report_format == JUNIT and "<testsuite" in run.report
    assert sorted(p.name for p in root.iterdir()) == ["tests"]  # the report file is gone
    # The output alone invents a third failing test (the id cut at the first "]").
    assert set(parse_log(run.output, repo_root=root).failing_test_ids) == {
        *EXACT_IDS,
        "tests/test_x.py::test_param[x]",
    }
    facts, evidence = read_run(run, root)
    assert facts.failing == EXACT_IDS and facts.passed == 1
    assert {f.error_type for f in evidence.failures} == {"AssertionError"}
    # The exact ids narrow the next run to exactly those tests.
    narrowed = targeted_command(PYTEST, facts.failing)
    assert narrowed is not None
    again = run_with_report(LocalRunner(), narrowed, root, timeout_s=120, output_limit=1_000_000)
    again_facts, _ = read_run(again, root)
    assert again_facts.failing == EXACT_IDS and again_facts.passed == 0, again.output


def test_the_report_is_collected_from_inside_the_sandbox(tmp_path: Path) -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI (apt-get install bubblewrap; run as root): {reason}"
    root = _project(tmp_path / "job", AMBIGUOUS)
    command = "python -m pytest -q -rfE --tb=short -p no:cacheprovider"
    run = run_with_report(BubblewrapRunner(root, LIMITS), command, root, timeout_s=120, output_limit=500_000)
    assert run.report_format == JUNIT, run.output
    assert read_run(run, root)[0].failing == EXACT_IDS
    assert sorted(p.name for p in root.iterdir()) == ["tests"]


# After pytest wrote its report (sessionfinish), the tests' own conftest replaces it.
TAMPER = """import os

def pytest_unconfigure(config):
    path = config.option.xmlpath
    if path:
        os.remove(path)
        {action}
"""


@pytest.mark.parametrize(
    ("what", "action"),
    [
        ("a link to a host file", "os.symlink({host!r}, path)"),
        ("a file past the bound", f"open(path, 'wb').truncate({MAX_REPORT_BYTES + 1})"),
        ("a fifo", "os.mkfifo(path)"),
        ("a directory", "os.mkdir(path)"),
        ("not UTF-8", "open(path, 'wb').write(b'<testsuite>\\xff</testsuite>')"),
        (
            "an entity bomb",
            'open(path, \'w\').write(\'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            '<testsuite><testcase classname="tests.test_x" file="tests/test_x.py" name="&c;">'
            "<failure/></testcase></testsuite>')",
        ),
        ("malformed XML", "open(path, 'w').write('<testsuite><testcase name=\"x\"')"),
        (
            "a report of no failures",
            "open(path, 'w').write('<testsuite><testcase classname=\"a\" name=\"b\"/></testsuite>')",
        ),
    ],
)
def test_a_tampered_report_leaves_the_output_to_decide(tmp_path: Path, what: str, action: str) -> None:
    host = tmp_path / "host-report.xml"
    host.write_text(
        '<testsuite><testcase classname="tests.test_x" name="test_invented" file="tests/test_x.py">'
        '<failure message="planted"/></testcase></testsuite>'
    )
    root = _project(
        tmp_path / "repo",
        "def test_a():\n    assert 1 == 2\n",
        TAMPER.format(action=action.format(host=str(host))),
    )
    run = run_with_report(LocalRunner(), PYTEST, root, timeout_s=120, output_limit=1_000_000)
    facts, evidence = read_run(run, root)
    assert facts.failing == {"tests/test_x.py::test_a"}, (what, run.output[-2000:])
    assert evidence.failures == parse_log(run.output, repo_root=root).failures
    assert host.read_text().startswith("<testsuite>")
    assert sorted(p.name for p in root.iterdir()) == ["conftest.py", "tests"]


def test_reading_refuses_what_is_not_a_small_regular_file(tmp_path: Path) -> None:
    assert read_report(tmp_path / "missing.xml") is None
    assert read_report(tmp_path) is None
    (tmp_path / "r.xml").write_text("<testsuite/>")
    assert read_report(tmp_path / "r.xml") == "<testsuite/>"
    os.symlink(tmp_path / "r.xml", tmp_path / "link.xml")
    assert read_report(tmp_path / "link.xml") is None


def test_a_run_whose_pytest_refuses_the_option_is_run_again_as_given(tmp_path: Path) -> None:
    class Refusing(LocalRunner):
        """pytest without its junitxml plugin: the option is a usage error."""

        def run(self, command: str, cwd: Path, **kwargs: object) -> RunResult:  # type: ignore[override]
            if "--junitxml" in command:
                return RunResult(command, 4, "pytest: error: unrecognized arguments: --junitxml=r.xml", 0.1)
            return super().run(command, cwd, **kwargs)  # type: ignore[arg-type]

    root = _project(tmp_path, "def test_a():\n    pass\n")
    run = run_with_report(Refusing(), PYTEST, root, timeout_s=120, output_limit=1_000_000)
    assert run.ok and run.command == PYTEST and not run.report, run.output


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId><artifactId>calc</artifactId><version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId>
      <version>5.10.2</version><scope>test</scope></dependency>
  </dependencies>
  <build><plugins>
    <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
    <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
    <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
  </plugins></build>
</project>
"""
CALC = (
    "package com.example.calc;\npublic class Calc { public static int add(int a, int b) { return a - b; } }\n"
)
CALC_TEST = """package com.example.calc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
class CalcTest {
  @Test void addsZero() { assertEquals(2, Calc.add(2, 0)); }
  @Test void addsTwo() { assertEquals(5, Calc.add(2, 3)); }
  @ParameterizedTest @ValueSource(ints = {1, 2}) void addsOne(int x) { assertEquals(x + 1, Calc.add(x, 1)); }
}
"""
PARAMS = """    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter-params</artifactId>
      <version>5.10.2</version><scope>test</scope></dependency>
"""
STALE = (
    '<testsuite><testcase classname="com.example.Old" name="gone">'
    '<failure message="old"/></testcase></testsuite>'
)


def _maven_offline() -> bool:
    plugins = Path.home() / ".m2" / "repository" / "org" / "apache" / "maven" / "plugins"
    return shutil.which("mvn") is not None and (plugins / "maven-surefire-plugin" / "3.2.5").is_dir()


@pytest.mark.skipif(not _maven_offline(), reason="needs mvn with Surefire 3.2.5 in ~/.m2 (it runs offline)")
def test_surefire_reports_of_this_run_decide_and_stale_or_outside_ones_do_not(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    java = root / "src" / "main" / "java" / "com" / "example" / "calc"
    tests = root / "src" / "test" / "java" / "com" / "example" / "calc"
    java.mkdir(parents=True)
    tests.mkdir(parents=True)
    (root / "pom.xml").write_text(POM.replace("</dependencies>", PARAMS + "</dependencies>"))
    (java / "Calc.java").write_text(CALC)
    (tests / "CalcTest.java").write_text(CALC_TEST)
    stale = root / "target" / "surefire-reports" / "TEST-com.example.Old.xml"
    outside = tmp_path / "elsewhere" / "target" / "surefire-reports" / "TEST-com.example.Planted.xml"
    for path in (stale, outside):
        path.parent.mkdir(parents=True)
        path.write_text(STALE)
    (root / "module").symlink_to(tmp_path / "elsewhere")
    run = run_with_report(LocalRunner(), "mvn -o -B test", root, timeout_s=300, output_limit=1_000_000)
    assert run.report_format == "surefire", run.output[-3000:]
    assert not stale.exists() and outside.read_text() == STALE
    # Surefire's console line for a parameterized test ("CalcTest.addsOne(int)[1] -- Time elapsed") is
    # beyond the console parser; the report names each invocation.
    assert "com.example.calc.CalcTest.addsOne(int)[1]" not in parse_log(run.output).failing_test_ids
    facts, evidence = read_run(run, root)
    assert facts.failing == {
        "com.example.calc.CalcTest.addsTwo",
        "com.example.calc.CalcTest.addsOne(int)[1]",
        "com.example.calc.CalcTest.addsOne(int)[2]",
    }
    assert facts.passed == 1
    adds_two = next(f for f in evidence.failures if f.test_id.endswith("addsTwo"))
    assert adds_two.error_type == "org.opentest4j.AssertionFailedError" and adds_two.repo_frames
