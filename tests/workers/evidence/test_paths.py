"""Which printed paths are the repository's own. The paths are ones that real logs print (see the corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.evidence.clean import clean_line
from workers.evidence.paths import PathResolver


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("/home/runner/work/humanevalfix/humanevalfix/Python_13.py", "Python_13.py"),  # GitHub-hosted runner
        ("/github/workspace/src/app.py", "src/app.py"),  # container action
        ("/__w/isobar-cli/isobar-cli/tests/test_main.py", "tests/test_main.py"),  # container job
        ("D:\\a\\isobar-cli\\isobar-cli\\tests\\test_main.py", "tests/test_main.py"),  # Windows runner
        ("/testbed/django/db/models/base.py", "django/db/models/base.py"),  # SWE-bench image
        ("./src/lib.rs", "src/lib.rs"),
        ("python_programs/gcd.py", "python_programs/gcd.py"),
    ],
)
def test_checkout_prefixes_are_stripped(printed: str, expected: str) -> None:
    assert PathResolver().relative(printed) == (expected, True)


@pytest.mark.parametrize(
    "printed",
    [
        "/opt/miniconda3/envs/testbed/lib/python3.6/functools.py",
        "../opt/miniconda3/envs/testbed/lib/python3.9/site-packages/pkg_resources/__init__.py",
        "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/_pytest/python.py",
        "/usr/lib/python3/dist-packages/apt/__init__.py",
        "<frozen importlib._bootstrap>",
        "<string>",
        "node:internal/process/task_queues",
        "/app/node_modules/jest-circus/build/utils.js",
        "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/panicking.rs",
        "/home/runner/go/pkg/mod/github.com/stretchr/testify@v1.8.0/assert/assertions.go",
        "/opt/hostedtoolcache/Python/3.11.14/x64/lib/python3.11/unittest/case.py",
    ],
)
def test_installed_code_is_not_the_repository(printed: str) -> None:
    path, in_repo = PathResolver().relative(printed)
    assert (path, in_repo) == (printed, False)


def test_unknown_absolute_path_is_not_claimed_without_a_checkout() -> None:
    printed = "/Users/albert/repos/example/app-api/src/main/java/com/example/core/domain/Person.java"
    assert PathResolver().relative(printed) == (printed, False)


def test_roots_the_log_names_and_the_repository_name() -> None:
    resolver = PathResolver(repo_name="octo-org/isobar-cli", roots=["/tmp/pytest-of-root/pytest-0/run0"])
    assert resolver.relative("/tmp/pytest-of-root/pytest-0/run0/test_x.py") == ("test_x.py", True)
    assert resolver.relative("/srv/ci/isobar-cli/src/isobar_cli/main.py") == ("src/isobar_cli/main.py", True)


def test_with_a_checkout_only_existing_files_count(tmp_path: Path) -> None:
    source = tmp_path / "src/main/java/com/example/core/domain/Person.java"
    source.parent.mkdir(parents=True)
    source.write_text("class Person {}\n")
    resolver = PathResolver(repo_root=tmp_path)
    # An absolute path from the machine that ran the build: its longest tail that exists here.
    printed = "/Users/albert/repos/example/app-api/src/main/java/com/example/core/domain/Person.java"
    assert resolver.relative(printed) == ("src/main/java/com/example/core/domain/Person.java", True)
    assert resolver.relative(str(source)) == ("src/main/java/com/example/core/domain/Person.java", True)
    assert resolver.relative("src/missing.py") == ("src/missing.py", False)
    assert resolver.relative("/home/runner/work/app/app/src/gone.py") == (
        "/home/runner/work/app/app/src/gone.py",
        False,
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "2026-02-28T19:08:35.7129303Z tests/test_main.py:15: AssertionError",
            "tests/test_main.py:15: AssertionError",
        ),
        (
            "\ufeff2026-02-28T19:08:17.2904861Z Current runner version: '2.331.0'",
            "Current runner version: '2.331.0'",
        ),
        ("2026-02-28T19:08:30.2853676Z ##[group]Run pytest", "Run pytest"),
        (
            "2026-02-28T19:08:35.7985201Z ##[error]Process completed with exit code 1.",
            "Process completed with exit code 1.",
        ),
        (
            "\x1b[31mFAILED\x1b[0m tests/test_x.py::\x1b[1mtest_y\x1b[0m - assert (2 == 1)",
            "FAILED tests/test_x.py::test_y - assert (2 == 1)",
        ),
        ("[31mERROR[0m tests/test_ext_autodoc_configs.py", "ERROR tests/test_ext_autodoc_configs.py"),
        ("test_sqrt[input_data4-5.196164639727311]", "test_sqrt[input_data4-5.196164639727311]"),
        ("test_resample[10m]", "test_resample[10m]"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_endgroup_lines_are_dropped() -> None:
    assert clean_line("2026-02-28T19:08:30.2910266Z ##[endgroup]") is None


def test_relative_paths_of_a_runner_below_the_repository_top() -> None:
    resolver = PathResolver()
    resolver.add_root("/home/runner/work/app/app/backend", base=True)
    assert resolver.relative("tests/test_api.py") == ("backend/tests/test_api.py", True)
    assert resolver.relative("../opt/venv/lib/python3.11/site-packages/x.py")[1] is False


def test_a_bare_file_name_from_another_tree_is_not_matched(tmp_path: Path) -> None:
    (tmp_path / "utils.py").write_text("\n")
    resolver = PathResolver(repo_root=tmp_path)
    assert resolver.relative("/srv/other/project/utils.py") == ("/srv/other/project/utils.py", False)


def test_relative_path_printed_below_the_top_is_placed_only_when_unique(tmp_path: Path) -> None:
    for name in (
        "api/tests/test_views.py",
        "api/app/models.py",
        "web/app/models.py",
        "api/node_modules/x/a.js",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("\n")
    resolver = PathResolver(repo_root=tmp_path)
    assert resolver.relative("tests/test_views.py") == ("api/tests/test_views.py", True)
    assert resolver.relative("app/models.py") == ("app/models.py", False)  # two candidates: no guess
    assert resolver.relative("x/a.js") == ("x/a.js", False)  # installed code is not indexed


def test_a_foreign_path_is_placed_by_the_checkouts_rule(tmp_path: Path) -> None:
    for name in ("backend/app/models.py", "backend/app/views.py", "web/app/views.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("\n")
    resolver = PathResolver(repo_root=tmp_path)
    # The other machine kept the checkout one level lower: its tail still names one file, though not at
    # the checkout's top (this used to be left out of the repository).
    assert resolver.relative("/srv/build/app/models.py") == ("backend/app/models.py", True)
    # Two files fit as well as each other: no guess.
    assert resolver.relative("/srv/build/app/views.py") == ("/srv/build/app/views.py", False)
