"""Runners the corpus lacks, on real output kept in tests/fixtures/logs (its README says how it was made)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from workers.evidence import BUILD, COLLECTION, Evidence, parse_log

FIXTURES = FIXTURES / "logs"


def parse(name: str, **kwargs: object) -> Evidence:
    return parse_log((FIXTURES / name).read_text(encoding="utf-8"), **kwargs)  # type: ignore[arg-type]


def test_jest() -> None:
    evidence = parse("jest_sum.log")
    assert evidence.runner == "jest"
    assert (evidence.summary_failed, evidence.summary_passed) == (2, 1)
    adds, reads = evidence.failures
    assert adds.test_id == "src/sum.test.js > sum > adds 1 + 2 to equal 3"
    assert adds.error_type == "AssertionError"
    assert "Expected: 3" in adds.detail and "Received: -1" in adds.detail
    assert (adds.frames[-1].path, adds.frames[-1].line) == ("src/sum.test.js", 4)
    assert reads.test_id == "src/sum.test.js > parse reads value"
    assert (reads.error_type, reads.message) == (
        "TypeError",
        "Cannot read properties of undefined (reading 'length')",
    )
    # Innermost last: the library function the test called, where the error was raised.
    assert [(f.path, f.line, f.function) for f in reads.frames] == [
        ("src/sum.test.js", 11, "Object.parse"),
        ("src/sum.js", 2, "parse"),
    ]


def test_vitest_with_and_without_colour() -> None:
    coloured, plain = parse("vitest_sum.log"), parse("vitest_sum_nocolor.log")
    assert coloured.failures == plain.failures
    assert plain.runner == "vitest"
    assert (plain.summary_failed, plain.summary_passed) == (2, 1)
    adds, reads = plain.failures
    assert adds.test_id == "src/sum.vitest.test.js > sum > adds 1 + 2 to equal 3"
    assert (adds.error_type, adds.message) == ("AssertionError", "expected -1 to be 3 // Object.is equality")
    assert reads.error_type == "TypeError"
    assert [(f.path, f.line, f.function) for f in reads.frames] == [
        ("src/sum.vitest.test.js", 12, None),
        ("src/sum.js", 2, "parse"),
    ]


def test_cargo_test() -> None:
    evidence = parse("cargo_calc.log")
    assert evidence.runner == "cargo"
    assert (evidence.summary_failed, evidence.summary_passed) == (4, 1)
    by_id = {f.test_id: f for f in evidence.failures}
    assert set(by_id) == {
        "more_tests::passes",
        "tests::first_of_list",
        "tests::mean_of_three",
        "tests::mean_of_two",
    }
    mean = by_id["tests::mean_of_three"]
    assert (mean.error_type, mean.message) == ("panic", "assertion `left == right` failed")
    assert mean.detail[1:] == ["assertion `left == right` failed", "  left: 3", " right: 2"]
    assert (mean.frames[-1].path, mean.frames[-1].line) == ("src/lib.rs", 16)


def test_cargo_backtrace_separates_the_standard_library() -> None:
    evidence = parse("cargo_calc_backtrace.log")
    first = next(f for f in evidence.failures if f.test_id == "tests::first_of_list")
    assert [(f.path, f.line, f.function) for f in first.repo_frames] == [
        ("src/lib.rs", 25, "calc::tests::first_of_list"),
        ("src/lib.rs", 26, "calc::tests::first_of_list"),
        ("src/lib.rs", 7, "calc::first"),
    ]
    assert all(f.path.startswith("/rustc/") for f in first.frames if not f.in_repo)


def test_surefire_junit5(tmp_path: Path) -> None:
    evidence = parse("surefire_calc.log")
    assert evidence.runner == "surefire"
    assert (evidence.summary_failed, evidence.summary_errors, evidence.summary_passed) == (1, 1, 1)
    mean, name = evidence.failures
    assert mean.test_id == "com.example.calc.CalcTest.meanOfThree"
    assert (mean.error_type, mean.message) == (
        "org.opentest4j.AssertionFailedError",
        "expected: <2> but was: <3>",
    )
    assert [(f.path, f.line) for f in mean.repo_frames] == [("com/example/calc/CalcTest.java", 9)]
    assert name.error_type == "java.lang.NullPointerException"
    assert [(f.path, f.line, f.function) for f in name.repo_frames] == [
        ("com/example/calc/CalcTest.java", 14, "nameOfNull"),
        ("com/example/calc/Calc.java", 11, "name"),
    ]
    # With the checkout at hand, frames resolve to the Maven source roots that hold the files.
    for source in (
        "src/main/java/com/example/calc/Calc.java",
        "src/test/java/com/example/calc/CalcTest.java",
    ):
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / source).write_text("class X {}\n")
    located = parse("surefire_calc.log", repo_root=tmp_path).failures[1]
    assert [f.path for f in located.repo_frames] == [
        "src/test/java/com/example/calc/CalcTest.java",
        "src/main/java/com/example/calc/Calc.java",
    ]


def test_raw_github_actions_log() -> None:
    evidence = parse("actions_quixbugs_pytest.log")
    assert evidence.runner == "pytest"
    assert (evidence.summary_failed, evidence.summary_passed) == (11, 4)
    raw = re.sub(
        r"\x1b\[[0-9;]*m", "", (FIXTURES / "actions_quixbugs_pytest.log").read_text(encoding="utf-8")
    )
    listed = [
        line.split("Z FAILED ", 1)[1].split(" - ")[0] for line in raw.splitlines() if "Z FAILED " in line
    ]
    assert len(listed) == 11
    assert [f.test_id for f in evidence.failures] == listed
    raised = evidence.failures[1]
    assert raised.test_id == "python_testcases/test_pascal.py::test_pascal[input_data2-expected2]"
    assert (raised.error_type, raised.message) == ("IndexError", "list index out of range")
    # --tb=native prints absolute paths under the runner's checkout; they become repository-relative.
    assert [(f.path, f.line, f.function) for f in raised.repo_frames] == [
        ("python_testcases/test_pascal.py", 15, "test_pascal"),
        ("python_programs/pascal.py", 8, "pascal"),
    ]
    assert all("site-packages" in f.path for f in raised.frames if not f.in_repo)
    text = "\n".join(line for f in evidence.failures for line in f.detail + f.excerpt.splitlines())
    assert "##[" not in text and "\x1b" not in text and "[0m" not in text and "Z " not in text[:40]


def test_actions_log_as_gh_run_view_prints_it() -> None:
    # `gh run view --log` prefixes each raw line with the job's and the step's names, tab-separated.
    raw = (FIXTURES / "actions_quixbugs_pytest.log").read_text(encoding="utf-8")
    listed = "".join(f"test (3.11)\tRun pytest\t{line}\n" for line in raw.splitlines())
    assert parse_log(listed).failures == parse("actions_quixbugs_pytest.log").failures


def _checkout(root: Path, *files: str) -> Path:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("\n")
    return root


def test_javascript_files_that_do_not_compile(tmp_path: Path) -> None:
    root = _checkout(tmp_path, "broken/bad.test.js", "broken/bad.vitest.test.js")
    jest = parse("jest_syntax_error.log", repo_root=root)
    (failure,) = jest.failures
    assert (failure.kind, failure.test_id, failure.error_type) == (
        COLLECTION,
        "broken/bad.test.js",
        "SyntaxError",
    )
    # Babel's own stack is node_modules; the broken file's line comes from the message.
    assert [(f.path, f.line) for f in failure.repo_frames] == [("broken/bad.test.js", 5)]
    vitest = parse("vitest_syntax_error.log", repo_root=root)
    (failure,) = vitest.failures
    assert (failure.kind, failure.test_id, failure.error_type) == (
        COLLECTION,
        "broken/bad.vitest.test.js",
        "Error",
    )
    assert failure.message.startswith("Failed to parse source for import analysis")
    assert [(f.path, f.line) for f in failure.repo_frames] == [("broken/bad.vitest.test.js", 1)]


def test_compiler_errors_before_any_test_runs(tmp_path: Path) -> None:
    cargo = parse("cargo_compile_error.log")
    (failure,) = cargo.failures
    assert (failure.kind, failure.test_id, failure.message) == (BUILD, "src/lib.rs:3", "mismatched types")
    assert [(f.path, f.line, f.in_repo) for f in failure.frames] == [("src/lib.rs", 3, True)]
    root = _checkout(tmp_path, "src/main/java/com/example/calc/Calc.java")
    maven = parse("maven_compile_error.log", repo_root=root)
    (failure,) = maven.failures
    assert (failure.kind, failure.message) == (BUILD, "';' expected")
    assert [(f.path, f.line) for f in failure.repo_frames] == [
        ("src/main/java/com/example/calc/Calc.java", 11)
    ]


def _go_checkout(root: Path) -> Path:
    (root / "go.mod").write_text("module example.com/calc\n\ngo 1.19\n")
    return _checkout(root, "stats/stats.go", "stats/stats_test.go", "text/text.go", "text/text_test.go")


@pytest.mark.parametrize("name", ["go_calc_v.log", "go_calc_json.log"])
def test_go_test_with_a_checkout(name: str, tmp_path: Path) -> None:
    evidence = parse(name, repo_root=_go_checkout(tmp_path))
    by_id = {f.test_id: f for f in evidence.failures}
    assert list(by_id) == [
        "example.com/calc/stats.TestMean",
        "example.com/calc/stats.TestMeanTable",
        "example.com/calc/stats.TestMeanTable/pair",
        "example.com/calc/stats.TestMeanTable/single",
        "example.com/calc/stats.TestFirst",
        "example.com/calc/text",
    ]
    # t.Errorf names only the file; go.mod's module path gives its directory.
    mean = by_id["example.com/calc/stats.TestMean"]
    assert mean.message == "Mean([1 2 3]) = 3, want 2"
    assert [(f.path, f.line) for f in mean.repo_frames] == [("stats/stats_test.go", 7)]
    first = by_id["example.com/calc/stats.TestFirst"]
    assert (first.error_type, first.message) == (
        "panic",
        "runtime error: index out of range [2] with length 2",
    )
    # The goroutine dump: the test, then the function that panicked; Go's own frames are not the repository's.
    assert [(f.path, f.line, f.function) for f in first.repo_frames] == [
        ("stats/stats_test.go", 27, "stats.TestFirst"),
        ("stats/stats.go", 14, "stats.First"),
    ]
    assert all(f.path.startswith("/usr/lib/go-") for f in first.frames if not f.in_repo)
    build = by_id["example.com/calc/text"]
    assert (build.kind, build.message) == (BUILD, "undefined: strings")
    assert [(f.path, f.line) for f in build.repo_frames] == [("text/text.go", 5)]


def test_jest_configuration_warnings_and_a_suite_it_cannot_load() -> None:
    evidence = parse("jest_config_warning.log")
    # "FAIL src/x.js" lines are Jest's; nothing here is go test output.
    assert evidence.runner == "jest"
    assert [(f.kind, f.test_id) for f in evidence.failures] == [
        (COLLECTION, "src/sum.vitest.test.js"),
        ("test", "src/sum.test.js > sum > adds 1 + 2 to equal 3"),
        ("test", "src/sum.test.js > parse reads value"),
    ]
    assert evidence.failures[0].message.startswith("Must use import to load ES Module")
    assert (evidence.summary_failed, evidence.summary_passed) == (2, 1)
