"""parse_log on real third-party logs from ../shared/corpora/ci-logs, checked against what each log says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.evidence import BUILD, COLLECTION, CRASH, TEST, Evidence, parse_log, parse_log_file

CORPUS = CORPORA / "ci-logs"
SWEBENCH = CORPUS / "swebench-testbed-outputs-moatless"
QUIXBUGS = CORPUS / "generated-locally" / "quixbugs-pytest-buggy"
HUMANEVAL = CORPUS / "generated-locally" / "humanevalfix-python-tracebacks"
GO = CORPUS / "go-test-go-junit-report" / "testdata"


def parse(path: Path) -> Evidence:
    return parse_log(path.read_text(encoding="utf-8", errors="replace"))


def short_summary_ids(path: Path) -> set[str]:
    """The node ids pytest listed as FAILED under "short test summary info", read without the parser."""
    ids = set()
    for line in re.sub(r"\x1b\[[0-9;]*m", "", path.read_text()).splitlines():
        if line.startswith("FAILED "):
            ids.add(line[len("FAILED ") :].split(" - ", 1)[0])
    return ids


@pytest.mark.parametrize("log", sorted(QUIXBUGS.glob("*.log")), ids=lambda p: p.stem)
def test_quixbugs_pytest_logs_give_exactly_the_tests_pytest_listed(log: Path) -> None:
    evidence = parse(log)
    assert evidence.runner == "pytest"
    assert {f.test_id for f in evidence.failures if f.kind == TEST} == short_summary_ids(log)
    assert evidence.summary_failed == len(evidence.failures)


def test_quixbugs_gcd_frames_reach_the_buggy_program() -> None:
    evidence = parse(QUIXBUGS / "gcd.log")
    first = evidence.failures[0]
    assert first.test_id == "python_testcases/test_gcd.py::test_gcd[input_data1-13]"
    assert first.error_type == "RecursionError"
    assert first.message == "maximum recursion depth exceeded"
    assert first.frames[0].path == "python_testcases/test_gcd.py"
    assert first.frames[0].line == 15
    assert first.frames[0].function == "test_gcd"
    assert (first.frames[-1].path, first.frames[-1].line, first.frames[-1].function) == (
        "python_programs/gcd.py",
        5,
        "gcd",
    )
    pointed = [line for line in first.detail if line.startswith(">")]
    assert pointed and "assert gcd(*input_data) == expected" in pointed[0]
    assert (evidence.summary_failed, evidence.summary_passed) == (5, 1)


def test_pytest_collection_import_error_keeps_repo_and_library_frames_apart() -> None:
    evidence = parse(SWEBENCH / "testing/python/data/sphinx_output_1.txt")
    (failure,) = evidence.failures
    assert failure.kind == COLLECTION
    assert failure.test_id == "tests/test_ext_autodoc_configs.py"
    assert failure.error_type == "ImportError"
    assert "stringify_annotation" in failure.message
    repo = [(f.path, f.line) for f in failure.repo_frames]
    assert repo[-1] == ("sphinx/ext/autodoc/__init__.py", 26)
    assert ("tests/test_ext_autodoc_configs.py", 15) in repo
    library = [f for f in failure.frames if not f.in_repo]
    assert library and "importlib" in library[0].path
    assert evidence.summary_errors == 1


def test_collection_error_known_only_from_the_short_summary() -> None:
    evidence = parse(SWEBENCH / "verify/data/requests_output_1.txt")
    (failure,) = evidence.failures
    assert (failure.kind, failure.test_id) == (COLLECTION, "test_requests.py")
    assert failure.error_type == "NameError"


def test_inner_pytest_sessions_in_captured_output_are_not_the_outer_run() -> None:
    # pytest's own tests print whole inner sessions (their own FAILED lines and counts) as captured output.
    evidence = parse(SWEBENCH / "testing/python/data/pytest_output_5.txt")
    expected = "testing/test_skipping.py::test_errors_in_xfail_skip_expressions"
    assert [f.test_id for f in evidence.failures] == [expected]
    assert (evidence.summary_failed, evidence.summary_passed, evidence.summary_errors) == (1, 80, 0)
    passing = parse(SWEBENCH / "testing/python/data/pytest_output_6.txt")
    assert passing.failures == []
    assert passing.summary_passed == 34


def test_cut_pytest_log_builds_node_ids_from_frames() -> None:
    # This log stops before pytest's final counts; the FAILURES entries are titled with short names only.
    log = SWEBENCH / "testing/python/data/pytest_output_1.txt"
    evidence = parse(log)
    assert evidence.summary_failed is None
    assert {f.test_id for f in evidence.failures} == short_summary_ids(log)


@pytest.mark.parametrize(
    "name", ["seaborn_output_2.txt", "pytest_output_2.txt", "matplotlib_output_1.txt", "sphinx_output_2.txt"]
)
def test_swebench_pytest_logs_match_their_short_summary(name: str) -> None:
    log = SWEBENCH / "testing/python/data" / name
    evidence = parse(log)
    assert {f.test_id for f in evidence.failures} == short_summary_ids(log)
    assert evidence.summary_failed == len(evidence.failures)


def test_rootdir_and_testbed_paths_become_repository_relative() -> None:
    evidence = parse(SWEBENCH / "verify/data/xarray_output_1.txt")
    paths = {f.path for failure in evidence.failures for f in failure.repo_frames}
    assert paths and all(not p.startswith("/") for p in paths)
    assert any(p.startswith("xarray/core/") for p in paths)
    outside = {f.path for failure in evidence.failures for f in failure.frames if not f.in_repo}
    assert all("site-packages" in p or "/lib/python" in p for p in outside)


def test_django_runner_blocks() -> None:
    log = SWEBENCH / "testing/python/data/django_output_2.txt"
    evidence = parse(log)
    heads = re.findall(r"^FAIL: (\w+) \(([\w.]+)\)", log.read_text(), re.M)
    assert [f.test_id for f in evidence.failures] == [f"{where}.{name}" for name, where in heads]
    assert (evidence.summary_failed, evidence.summary_errors, evidence.summary_passed) == (2, 0, 155)
    for failure in evidence.failures:
        assert failure.error_type == "AssertionError"
        assert failure.repo_frames[0].path.startswith("tests/forms_tests/")


def test_django_recursion_is_bounded_and_library_frames_are_marked() -> None:
    evidence = parse(SWEBENCH / "testing/python/data/django_output_1.txt")
    assert evidence.summary_failed is None  # the log stops before "FAILED (errors=2)"
    first = evidence.failures[0]
    assert first.test_id == "model_fields.tests.GetFieldDisplayTests.test_choices_and_field_display"
    assert first.error_type == "RecursionError"
    assert first.frames[0] == first.repo_frames[0]
    assert first.frames[0].path == "tests/model_fields/tests.py"
    assert ("django/db/models/base.py", 943, "_get_FIELD_display") in {
        (f.path, f.line, f.function) for f in first.repo_frames
    }
    assert not first.frames[-1].in_repo and first.frames[-1].path.endswith("functools.py")


def test_django_subtests_are_one_failing_test_each() -> None:
    evidence = parse(SWEBENCH / "testing/python/data/django_output_6.txt")
    assert evidence.summary_failed == 5  # the runner counts each failing subtest
    assert [f.test_id for f in evidence.failures] == [
        "model_fields.test_jsonfield.TestQuerying.test_has_key_deep",
        "model_fields.test_jsonfield.TestQuerying.test_has_key_list",
    ]
    assert (
        evidence.failures[0]
        .detail[0]
        .startswith("subtest (condition=<Q: (AND: ('value__has_key', KeyTransform(")
    )


def test_sympy_runner() -> None:
    evidence = parse(SWEBENCH / "testing/python/data/sympy_output_1.txt")
    path = "sympy/printing/pretty/tests/test_pretty.py"
    assert [f.test_id for f in evidence.failures] == [
        f"{path}::{name}"
        for name in (
            "test_pretty_geometry",
            "test_issue_8292",
            "test_issue_8344",
            "test_MatrixSymbol_printing",
        )
    ]
    assert (evidence.summary_failed, evidence.summary_errors, evidence.summary_passed) == (1, 3, 112)
    last = evidence.failures[-1]
    assert last.error_type == "AssertionError"
    assert (last.frames[-1].path, last.frames[-1].line) == (path, 6122)


@pytest.mark.parametrize(
    ("name", "error", "where"),
    [
        ("testing/python/data/syntax_error.txt", "ImportError", ("django/db/models/fields/__init__.py", 30)),
        ("testing/python/data/syntax_error_2.txt", "ValueError", ("src/_pytest/junitxml.py", 27)),
        ("verify/data/syntax_error.txt", "ImportError", ("django/contrib/admin/options.py", 46)),
    ],
)
def test_crash_before_the_runner_reports(name: str, error: str, where: tuple[str, int]) -> None:
    evidence = parse(SWEBENCH / name)
    (failure,) = evidence.failures
    assert failure.kind == CRASH
    assert failure.error_type == error
    assert (failure.repo_frames[-1].path, failure.repo_frames[-1].line) == where


def test_humanevalfix_tracebacks_agree_with_the_recorded_exit() -> None:
    records = json.loads((HUMANEVAL / "_summary.json").read_text())
    assert len(records) == 164
    for record in records:
        log = HUMANEVAL / (record["task_id"].replace("/", "_") + ".log")
        evidence = parse(log)
        if record["exit"] == "timeout":
            assert evidence.failures == [], log.name
            continue
        (failure,) = evidence.failures
        assert failure.kind == CRASH
        assert failure.error_type == record["last_line"].split(":", 1)[0], log.name
        # The Actions-style checkout prefix is stripped: the script is the repository's own file.
        assert failure.test_id == log.stem + ".py"
        assert failure.repo_frames and failure.repo_frames[0].path == log.stem + ".py"


def _golden_go_failures(report: Path) -> set[str]:
    """Failing cases of go-junit-report's golden report: "package.Test", or a package that failed whole."""
    expected = set()
    text = report.read_text()
    for name, package, body in re.findall(
        r'<testcase name="([^"]+)" classname="([^"]+)"[^>]*>(.*?)</testcase>', text, re.S
    ):
        if "<failure" in body or "<error" in body:
            package = package.removesuffix("_test")  # an external test package fails as its package
            expected.add(package if name == "Failure" or name.startswith("[") else f"{package}.{name}")
    return expected


@pytest.mark.parametrize("log", sorted(GO.glob("*.txt")), ids=lambda p: p.name)
def test_go_test_logs_agree_with_go_junit_reports_golden_files(log: Path) -> None:
    report = log.with_name(log.name[:3] + "-report.xml")
    if not report.exists():
        pytest.skip("no golden report for this input")
    evidence = parse(log)
    assert {f.test_id for f in evidence.failures} == _golden_go_failures(report)


def test_go_failure_details() -> None:
    evidence = parse(GO / "012-subtests.txt")
    by_id = {f.test_id: f for f in evidence.failures}
    leaf = by_id["package/subtests.TestSubtests/Subtest#01"]
    assert leaf.message == "error message"
    assert (leaf.frames[0].path, leaf.frames[0].line) == ("subtests_test.go", 10)
    build = parse(GO / "013-syntax-error.txt")
    failing1 = next(f for f in build.failures if f.test_id == "package/name/failing1")
    assert failing1.kind == BUILD
    assert (failing1.frames[0].path, failing1.frames[0].line) == ("failing1/failing_test.go", 15)
    assert failing1.message == "undefined: x"
    panic = parse(GO / "105-panic.gojson.txt").failures[0]
    assert (panic.kind, panic.error_type, panic.message) == (CRASH, "panic", "init")
    assert panic.frames[-1].line == 6 and panic.frames[-1].path.endswith("panic/main_test.go")


def test_go_output_a_test_printed_to_look_like_an_event_is_plain_output() -> None:
    for line in ['{"Action": ' + "[" * 100_000, '{"Action": "fail"} trailing', '["Action"]']:
        evidence = parse_log(f"=== RUN   TestA\n{line}\n--- FAIL: TestA (0.00s)\nFAIL\tpkg\t0.01s\n")
        assert evidence.failing_test_ids == ["pkg.TestA"]


def test_surefire_fixtures_from_the_corpus() -> None:
    evidence = parse(SWEBENCH / "testing/java/fixtures/test_failure.txt")
    assert [f.test_id for f in evidence.failures] == [
        "com.example.FailTest.testSomething",
        "com.example.ErrorTest.testWithError",
    ]
    assert (evidence.summary_failed, evidence.summary_errors) == (1, 1)
    first = evidence.failures[0]
    assert first.error_type == "java.lang.AssertionError"
    assert (first.repo_frames[-1].path, first.repo_frames[-1].line) == ("com/example/FailTest.java", 42)
    assert not first.frames[-1].in_repo  # org.junit.Assert.fail
    compile_errors = parse(SWEBENCH / "testing/java/fixtures/compilation_error_line_only.txt")
    assert [f.kind for f in compile_errors.failures] == [BUILD] * 4
    assert compile_errors.failures[0].frames[0].line == 55
    assert parse(SWEBENCH / "testing/java/fixtures/success.txt").failures == []
    assert parse(SWEBENCH / "testing/java/fixtures/command_failure.txt").failures == []


def test_every_corpus_log_parses_and_file_reading_matches_text() -> None:
    logs = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".txt", ".log"))
    assert len(logs) > 250
    for log in logs:
        assert parse_log_file(log).failing_test_ids == parse(log).failing_test_ids, log.name


def test_text_that_is_not_a_test_run_gives_no_failures() -> None:
    # Real fixes and test code mention asserts, FAILED and Error freely; none of them is a failing run.
    corpora = CORPUS.parent
    texts = sorted((corpora / "bugsinpy").rglob("bug_patch.txt")) + sorted(
        (corpora / "quixbugs").rglob("*.py")
    )
    assert len(texts) > 500
    invented = {p.name: parse_log(p.read_text(errors="replace")).failing_test_ids for p in texts}
    assert {name: ids for name, ids in invented.items() if ids} == {}


def test_chained_traceback_keeps_the_first_error_and_where_it_was_raised() -> None:
    # sympy's runner crashed while reporting an import error of a test file (two chained tracebacks).
    evidence = parse(SWEBENCH / "testing/python/data/sympy_output_4.txt")
    (failure,) = evidence.failures
    assert (failure.kind, failure.error_type) == (CRASH, "AttributeError")
    cause = "while handling TypeError: object of type 'int' has no len()"
    assert f"{cause} (sympy/combinatorics/permutations.py:900)" in failure.detail
    assert ("sympy/combinatorics/permutations.py", 900) in {(f.path, f.line) for f in failure.repo_frames}


def test_lower_case_exception_classes() -> None:
    evidence = parse(SWEBENCH / "verify/data/pylint_output_1.txt")
    assert [(f.error_type, f.message) for f in evidence.failures] == [
        ("re.error", "unknown extension ?R at position 12")
    ] * 3
