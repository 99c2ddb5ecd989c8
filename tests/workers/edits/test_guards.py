"""Guards enforced in code: protected files, weakened tests, and syntax errors the edit introduced."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CORPORA
from workers.edits.guards import check_change, check_path, protected_by
from workers.edits.records import EditPolicy, Refused
from workers.edits.syntax_check import introduced_error

TEST_GCD = (CORPORA / "quixbugs" / "python_testcases" / "test_gcd.py").read_text()
STRICT = EditPolicy()


@pytest.mark.parametrize(
    "path",
    [
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        ".github/codellama.yml",
        "Jenkinsfile",
    ],
)
def test_ci_configuration_is_always_protected(path: str) -> None:
    with pytest.raises(Refused, match="CI configuration"):
        check_path(path, EditPolicy(allow_test_edits=True))


def test_repository_protected_globs() -> None:
    policy = EditPolicy(protected_globs=("migrations/**", "*.lock", "docs/"))
    for path in (
        "migrations/0001_initial.py",
        "app/migrations/x.py",
        "poetry.lock",
        "sub/uv.lock",
        "docs/a/b.md",
    ):
        if path == "app/migrations/x.py":
            assert protected_by(path, policy.protected_globs) is None  # anchored: only the top-level folder
            continue
        with pytest.raises(Refused, match=r"protected by \.github/codellama\.yml"):
            check_path(path, policy)
    check_path("python_programs/gcd.py", policy)


def test_deleting_a_test_is_refused() -> None:
    after = TEST_GCD.split("@pytest.mark.parametrize")[0]
    with pytest.raises(Refused, match="deletes a test"):
        check_change("python_testcases/test_gcd.py", TEST_GCD, after, STRICT)


def test_deleting_a_test_file_is_refused() -> None:
    with pytest.raises(Refused, match="deleting the test file"):
        check_change("python_testcases/test_gcd.py", TEST_GCD, None, STRICT)


def test_adding_a_skip_marker_is_refused_anywhere() -> None:
    after = TEST_GCD.replace("@pytest.mark.parametrize", "@pytest.mark.xfail\n@pytest.mark.parametrize")
    with pytest.raises(Refused, match="skip or xfail"):
        check_change("python_testcases/test_gcd.py", TEST_GCD, after, STRICT)
    with pytest.raises(Refused, match="skip or xfail"):
        check_change(
            "conftest.py", "", "import pytest\npytest.skip('flaky', allow_module_level=True)\n", STRICT
        )


def test_removing_an_assertion_is_refused() -> None:
    after = TEST_GCD.replace("    assert gcd(*input_data) == expected", "    gcd(*input_data)")
    with pytest.raises(Refused, match="removes an assertion"):
        check_change("python_testcases/test_gcd.py", TEST_GCD, after, STRICT)


def test_go_test_weakening_is_refused() -> None:
    row = json.loads(
        (CORPORA / "humanevalfix" / "data" / "go" / "humanevalpack.jsonl").read_text().splitlines()[0]
    )
    before = row["test_setup"] + row["test"]
    with pytest.raises(Refused, match="skip"):
        check_change(
            "pkg/close_test.go", before, before.replace("assert := ", "t.Skip()\n    assert := "), STRICT
        )


def test_allowed_when_the_request_is_about_tests() -> None:
    after = TEST_GCD.replace("    assert gcd(*input_data) == expected", "    gcd(*input_data)")
    check_change("python_testcases/test_gcd.py", TEST_GCD, after, EditPolicy(allow_test_edits=True))


def test_editing_a_test_without_weakening_it_is_allowed() -> None:
    after = TEST_GCD.replace(
        "def test_gcd(input_data, expected):", "def test_gcd(input_data, expected) -> None:"
    )
    check_change("python_testcases/test_gcd.py", TEST_GCD, after, STRICT)


def test_python_syntax_error_introduced() -> None:
    before = (CORPORA / "quixbugs" / "python_programs" / "gcd.py").read_text()
    after = before.replace("return gcd(a % b, b)", "return gcd(b, a % b")
    error = introduced_error("python_programs/gcd.py", before, after)
    assert error is not None and "line" in error.detail and error.line == 5
    assert introduced_error("python_programs/gcd.py", before, before.replace("a % b, b", "b, a % b")) is None


def test_python_error_already_there_is_not_counted() -> None:
    broken = "def f(:\n    return 1\n\ndef g():\n    return 2\n"
    assert introduced_error("x.py", broken, broken.replace("return 2", "return 3")) is None
    assert introduced_error("x.py", broken, broken.replace("def g():", "def g(:")) is not None


@pytest.mark.parametrize(
    ("lang", "ext"), [("go", "go"), ("java", "java"), ("js", "js"), ("cpp", "cpp"), ("rust", "rs")]
)
def test_tree_sitter_languages(lang: str, ext: str) -> None:
    row = json.loads(
        (CORPORA / "humanevalfix" / "data" / lang / "humanevalpack.jsonl").read_text().splitlines()[2]
    )
    head = "package main\n" + row.get("import", "") if lang == "go" else ""
    before = head + row["prompt"] + row["buggy_solution"]
    fixed = head + row["prompt"] + row["canonical_solution"]
    assert introduced_error(f"src/x.{ext}", before, fixed) is None
    last_brace = fixed.rindex("}")
    broken = fixed[:last_brace] + fixed[last_brace + 1 :]  # drop the function's closing brace
    assert introduced_error(f"src/x.{ext}", before, broken) is not None


def test_unknown_language_is_not_checked() -> None:
    assert introduced_error("notes.txt", "a", "(((") is None


def test_data_files_are_checked_by_their_parsers() -> None:
    assert introduced_error("package.json", '{"a": 1}\n', '{"a": 1,}\n') is not None
    assert introduced_error("pyproject.toml", 'a = "x"\n', 'a = "x\n') is not None
    error = introduced_error("config.yml", "a: 1\nb: [2]\n", "a: 1\nb: [2\n")
    assert error is not None and "YAML" in error.detail
    assert introduced_error("config.yml", "a: [\n", "a: [\nb: 1\n") is None  # was broken before
    assert introduced_error("package.json", '{"a": 1}\n', '{"a": 2}\n') is None


@pytest.mark.parametrize("path", ["test/utils.py", "testing/python/collect.py", "pkg/testing/fixtures.py"])
def test_python_files_under_test_directories_are_guarded(path: str) -> None:
    # Test helpers, or test modules found by a project's own pattern (pytest collects testing/python/*.py):
    # retrieval ranks them as code, but the guards keep them from being weakened.
    before = "def check(x):\n    assert x == 1\n    assert x > 0\n"
    with pytest.raises(Refused, match="removes an assertion"):
        check_change(path, before, "def check(x):\n    assert x == 1\n", STRICT)
