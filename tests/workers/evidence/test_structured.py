"""Evidence from pytest's JUnit report: node ids rebuilt exactly, counts as pytest counts, and every
report that cannot be trusted (too large, a DTD, not XML, an id that cannot be rebuilt) leaves the output
to decide."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.evidence import COLLECTION, TEST, parse_log
from workers.evidence.structured import (
    MAX_REPORT_CHARS,
    ReportUnusable,
    parse_junit,
    parse_run,
    parse_surefire,
)

OUTPUT = """\
=========================== short test summary info ============================
FAILED tests/test_x.py::test_a - assert 1 == 2
1 failed, 1 passed in 0.10s
"""


def _suite(*cases: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite>'
        + "".join(cases)
        + "</testsuite></testsuites>"
    )


def _case(classname: str, name: str, file: str = "", inner: str = "") -> str:
    return f'<testcase classname="{classname}" name="{name}" file="{file}" line="3">{inner}</testcase>'


FAIL = (
    '<failure message="AssertionError: assert 1 == 2">'
    "tests/test_x.py:2: in test_a\nE   assert 1 == 2</failure>"
)


def test_ids_counts_and_errors_as_pytest_gives_them() -> None:
    evidence = parse_junit(
        _suite(
            _case("tests.test_x", "test_a", "tests/test_x.py", FAIL),
            _case("tests.test_x.TestK.Inner", "test_b[x] - y]", "tests/test_x.py", FAIL),
            _case(
                "tests.test_x",
                "test_c",
                "tests/test_x.py",
                '<error message="failed on setup with &quot;KeyError&quot;"/>',
            ),
            _case(
                "tests.test_x",
                "test_d",
                "tests/test_x.py",
                '<error message="failed on teardown with &quot;E&quot;"/>',
            ),
            _case("tests.test_x", "test_e", "tests/test_x.py", '<skipped message="no"/>'),
            _case("tests.test_x", "test_f", "tests/test_x.py"),
            _case(
                "",
                "tests.test_broken",
                "tests/test_broken.py",
                '<error message="collection failure">E   ImportError</error>',
            ),
        )
    )
    assert [(f.test_id, f.kind) for f in evidence.failures] == [
        ("tests/test_x.py::test_a", TEST),
        ("tests/test_x.py::TestK::Inner::test_b[x] - y]", TEST),
        ("tests/test_x.py::test_c", TEST),
        ("tests/test_x.py::test_d", TEST),
        ("tests/test_broken.py", COLLECTION),
    ]
    first = evidence.failures[0]
    assert (first.error_type, first.message, first.detail) == (
        "AssertionError",
        "assert 1 == 2",
        ["E   assert 1 == 2"],
    )
    # pytest counts a test whose teardown failed as passed, and the teardown as an error.
    assert (evidence.summary_failed, evidence.summary_passed, evidence.summary_errors) == (2, 2, 3)


def test_a_test_inherited_from_another_file_is_placed_by_its_classname(tmp_path: Path) -> None:
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "test_y.py").write_text(
        "from tests.base import Base\nclass TestY(Base): pass\n"
    )
    report = _suite(_case("tests.unit.test_y.TestY", "test_shared", "tests/base.py", FAIL))
    assert parse_junit(report, tmp_path).failing_test_ids == ["tests/unit/test_y.py::TestY::test_shared"]
    with pytest.raises(ReportUnusable, match="cannot tell which file"):
        parse_junit(report, tmp_path / "elsewhere")


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<testsuite><testcase classname="tests.test_x" file="tests/test_x.py" name="&b;">'
    "<failure/></testcase></testsuite>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE t SYSTEM "file:///etc/passwd">'
    '<testsuite><testcase classname="tests.test_x" file="tests/test_x.py" name="t">'
    "<failure/></testcase></testsuite>"
)


@pytest.mark.parametrize(
    ("report", "why"),
    [
        (BOMB, "DTD"),
        (EXTERNAL, "DTD"),
        ("<testsuite><testcase", "not well-formed"),
        ("", "not well-formed"),
        ("<html><body/></html>", "not a JUnit"),
        (_suite(_case("nowhere", "test_z", "", FAIL)), "cannot tell which file"),
        (
            _suite(_case("tests.test_x", "test_a", "tests/test_x.py", FAIL)) + " " * MAX_REPORT_CHARS,
            "larger than",
        ),
    ],
)
def test_an_untrustworthy_report_is_refused_and_the_output_decides(report: str, why: str) -> None:
    with pytest.raises(ReportUnusable, match=why):
        parse_junit(report)
    assert parse_run(OUTPUT, junit=report) == parse_log(OUTPUT)


def test_the_report_names_the_failures_and_the_output_gives_their_detail(tmp_path: Path) -> None:
    report = _suite(
        _case("tests.test_x", "test_a", "tests/test_x.py", FAIL),
        _case("tests.test_x", "test_b[x] - y]", "tests/test_x.py", FAIL),
        _case("tests.test_x", "test_ok", "tests/test_x.py"),
    )
    output = OUTPUT.replace(
        "1 failed, 1 passed", "FAILED tests/test_x.py::test_b[x] - y] - assert 0\n2 failed, 1 passed"
    )
    from_output = parse_log(output)
    assert "tests/test_x.py::test_b[x]" in from_output.failing_test_ids  # cut at the first "]"
    evidence = parse_run(output, junit=report)
    assert evidence.failing_test_ids == ["tests/test_x.py::test_a", "tests/test_x.py::test_b[x] - y]"]
    # Same id: the output's reading of the failure is kept, the report's own only where the output has none.
    assert evidence.failures[0] == from_output.failures[0] != parse_junit(report).failures[0]
    assert evidence.failures[1] == parse_junit(report).failures[1]
    assert (evidence.summary_failed, evidence.summary_passed) == (2, 1)


def test_a_report_without_failures_does_not_hide_the_outputs() -> None:
    report = _suite(_case("tests.test_x", "test_ok", "tests/test_x.py"))
    assert parse_run(OUTPUT, junit=report) == parse_log(OUTPUT)
    assert parse_run("1 passed in 0.01s", junit=report).summary_passed == 1


SUREFIRE_OUTPUT = """\
[ERROR] com.x.CalcTest.adds -- Time elapsed: 0.01 s <<< FAILURE!
org.opentest4j.AssertionFailedError: expected: <5> but was: <-1>
[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0
"""


def test_surefire_reports_are_read_and_refused_like_pytests() -> None:
    report = (
        '<testsuites><testsuite><testcase classname="com.x.CalcTest" name="adds">'
        '<failure type="org.opentest4j.AssertionFailedError"'
        ' message="expected: &lt;5&gt; but was: &lt;-1&gt;"/>'
        '</testcase><testcase classname="com.x.CalcTest" name="zero"/></testsuite></testsuites>'
    )
    evidence = parse_surefire(report)
    assert evidence.failing_test_ids == parse_log(SUREFIRE_OUTPUT).failing_test_ids == ["com.x.CalcTest.adds"]
    assert evidence.failures[0].error_type == "org.opentest4j.AssertionFailedError"
    assert (evidence.summary_failed, evidence.summary_passed, evidence.summary_errors) == (1, 1, 0)
    for hostile in (
        BOMB,
        "<testsuites><testsuite>",
        '<testsuite><testcase classname="a"><error/></testcase></testsuite>',
    ):
        with pytest.raises(ReportUnusable):
            parse_surefire(hostile)
        assert parse_run(SUREFIRE_OUTPUT, surefire=hostile) == parse_log(SUREFIRE_OUTPUT)
