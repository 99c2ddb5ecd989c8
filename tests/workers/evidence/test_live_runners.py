"""Run real pytest (every --tb style) and unittest on QuixBugs programs, then parse what they print.

The programs and tests are QuixBugs' own (../shared/corpora/quixbugs, MIT), copied into a temporary directory
so that the runners write nothing into the corpus.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.evidence import COLLECTION, TEST, parse_log

QUIXBUGS = CORPORA / "quixbugs"
PROGRAMS = ("pascal", "to_base")
# Each run is a separate interpreter; 60 s is far above the ~1 s they take and only guards against a hang.
TIMEOUT = 60


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quixbugs")
    for folder in ("python_programs", "python_testcases", "json_testcases"):
        (root / folder).mkdir()
    shutil.copy(QUIXBUGS / "conftest.py", root)
    shutil.copy(QUIXBUGS / "python_testcases" / "load_testdata.py", root / "python_testcases")
    for name in PROGRAMS:
        shutil.copy(QUIXBUGS / "python_programs" / f"{name}.py", root / "python_programs")
        shutil.copy(QUIXBUGS / "python_testcases" / f"test_{name}.py", root / "python_testcases")
        shutil.copy(QUIXBUGS / "json_testcases" / f"{name}.json", root / "json_testcases")
    return root


def run_all(root: Path, commands: dict[str, list[str]]) -> dict[str, str]:
    """Start every command at once (the machine has two cores), then collect each one's output."""
    processes = {
        key: subprocess.Popen(
            command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env()
        )
        for key, command in commands.items()
    }
    outputs = {}
    for key, process in processes.items():
        try:
            outputs[key], _ = process.communicate(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Third-party plugins installed here (hypothesis, timeout, …) only slow the start-up of each run.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def pytest_command(*args: str, quiet: bool = True) -> list[str]:
    quieter = ["-q"] if quiet else []
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *quieter, *args, "python_testcases"]


@pytest.fixture(scope="module")
def outputs(checkout: Path) -> dict[str, str]:
    commands = {style: pytest_command(f"--tb={style}") for style in ("long", "short", "line", "native", "no")}
    commands["header"] = pytest_command("--tb=short", quiet=False)
    commands["counts"] = pytest_command("--tb=no", "-rN")
    return run_all(checkout, commands)


def summary_ids(output: str) -> list[str]:
    return [line[7:].split(" - ", 1)[0] for line in output.splitlines() if line.startswith("FAILED ")]


# Six pytest runs start together for these (about 2 s on two idle cores, more on a busy machine).
@pytest.mark.slow
@pytest.mark.parametrize("style", ["long", "short", "line", "native", "no"])
def test_every_traceback_style_gives_the_failing_tests_and_counts(
    style: str, outputs: dict[str, str], checkout: Path
) -> None:
    output = outputs[style]
    evidence = parse_log(output, repo_root=checkout)
    expected = summary_ids(output)
    assert expected, output[-2000:]
    assert [f.test_id for f in evidence.failures] == expected
    assert evidence.summary_failed == len(expected)
    assert evidence.summary_passed is not None and evidence.summary_passed > 0
    if style == "no":
        assert all(not f.frames for f in evidence.failures)
        return
    by_program = {name: [f for f in evidence.failures if f"test_{name}.py" in f.test_id] for name in PROGRAMS}
    # pascal's bug returns a short row for n=2 and raises inside the program for larger n; then the
    # innermost repository frame is the program's own line.
    raised = [f for f in by_program["pascal"] if f.error_type == "IndexError"]
    assert raised and all(f.repo_frames[-1].path == "python_programs/pascal.py" for f in raised)
    assert {f.error_type for f in by_program["pascal"]} == {"IndexError", "AssertionError"}
    for failure in by_program["to_base"]:
        assert failure.error_type == "AssertionError"
        assert failure.repo_frames[-1].path == "python_testcases/test_to_base.py"
        assert failure.message.startswith("assert ")
    if style in ("long", "short", "native"):
        assert all(f.repo_frames[-1].function == "pascal" for f in raised)
        assert all(f.repo_frames[0].function == "test_pascal" for f in by_program["pascal"])
    if style == "native":
        outside = [f for failure in evidence.failures for f in failure.frames if not f.in_repo]
        assert outside and all("_pytest" in f.path or "pluggy" in f.path for f in outside)


@pytest.mark.slow
def test_counts_alone_give_the_counts_and_no_guessed_tests(outputs: dict[str, str]) -> None:
    # -q with -rN and --tb=no prints dots and the counts line only: nothing names a failing test.
    evidence = parse_log(outputs["counts"])
    assert evidence.runner == "pytest"
    assert evidence.failures == []
    expected = parse_log(outputs["long"])
    assert (evidence.summary_failed, evidence.summary_passed) == (
        expected.summary_failed,
        expected.summary_passed,
    )
    assert evidence.summary_failed == len(expected.failures)


@pytest.mark.slow
def test_paths_are_relative_to_the_repository_when_pytest_runs_below_its_top(
    outputs: dict[str, str], checkout: Path
) -> None:
    # pytest prints paths relative to its rootdir; here the repository is the directory above it.
    evidence = parse_log(outputs["header"], repo_root=checkout.parent)
    assert f"rootdir: {checkout}" in outputs["header"]
    paths = {f.path for failure in evidence.failures for f in failure.repo_frames}
    assert paths == {
        f"{checkout.name}/python_programs/pascal.py",
        f"{checkout.name}/python_testcases/test_pascal.py",
        f"{checkout.name}/python_testcases/test_to_base.py",
    }
    # The test ids stay pytest's own node ids, which are relative to the rootdir.
    assert all(f.test_id.startswith("python_testcases/") for f in evidence.failures)


@pytest.mark.slow
def test_quiet_run_in_a_subdirectory_is_placed_in_the_checkout(
    outputs: dict[str, str], checkout: Path, tmp_path: Path
) -> None:
    # -q prints no rootdir; the paths are relative to a directory below the repository's top.
    monorepo = tmp_path / "monorepo"
    shutil.copytree(checkout, monorepo / "services" / "quixbugs")
    evidence = parse_log(outputs["long"], repo_root=monorepo)
    paths = {f.path for failure in evidence.failures for f in failure.repo_frames}
    assert paths == {
        "services/quixbugs/python_programs/pascal.py",
        "services/quixbugs/python_testcases/test_pascal.py",
        "services/quixbugs/python_testcases/test_to_base.py",
    }


def test_collection_errors_syntax_and_missing_module(tmp_path: Path, checkout: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(checkout, broken)
    source = (broken / "python_programs" / "to_base.py").read_text()
    assert "def to_base(num, b):" in source
    (broken / "python_programs" / "to_base.py").write_text(
        source.replace("def to_base(num, b):", "def to_base(num, b)")
    )
    (broken / "python_programs" / "pascal.py").unlink()
    (output,) = run_all(broken, {"run": pytest_command("--tb=short")}).values()
    evidence = parse_log(output, repo_root=broken)
    by_id = {f.test_id: f for f in evidence.failures}
    assert set(by_id) == {"python_testcases/test_to_base.py", "python_testcases/test_pascal.py"}, output
    assert all(f.kind == COLLECTION for f in evidence.failures)
    syntax = by_id["python_testcases/test_to_base.py"]
    assert syntax.error_type == "SyntaxError"
    # The syntax error's own location (from the E lines) is the innermost frame.
    line = source.splitlines().index("def to_base(num, b):") + 1
    assert (syntax.frames[-1].path, syntax.frames[-1].line) == ("python_programs/to_base.py", line)
    missing = by_id["python_testcases/test_pascal.py"]
    assert missing.error_type == "ModuleNotFoundError"
    assert "python_programs.pascal" in missing.message
    assert evidence.summary_errors == 2


UNITTEST_MODULE = """\
import unittest

from python_programs.pascal import pascal
from python_programs.to_base import to_base


class QuixBugsTests(unittest.TestCase):
    def test_pascal(self):
        self.assertEqual(pascal(3), [[1], [1, 1], [1, 2, 1]])

    def test_to_base(self):
        self.assertEqual(to_base(31, 16), "1F")

    def test_to_base_ten(self):
        for number in (0, 7):
            with self.subTest(number=number):
                self.assertEqual(to_base(number, 10), str(number))
"""


def test_unittest_runner(checkout: Path) -> None:
    (checkout / "test_unit.py").write_text(UNITTEST_MODULE)
    try:
        (output,) = run_all(checkout, {"run": [sys.executable, "-m", "unittest", "-v", "test_unit"]}).values()
        # Parsed while the test module exists: with a checkout, only files in it count as the repository's.
        evidence = parse_log(output, repo_root=checkout)
    finally:
        (checkout / "test_unit.py").unlink()
    assert evidence.runner == "unittest"
    ids = [f.test_id for f in evidence.failures]
    assert "test_unit.QuixBugsTests.test_pascal" in ids
    assert "test_unit.QuixBugsTests.test_to_base" in ids
    assert all(f.kind == TEST for f in evidence.failures)
    pascal = evidence.failures[ids.index("test_unit.QuixBugsTests.test_pascal")]
    assert pascal.error_type == "IndexError"
    assert (pascal.repo_frames[0].path, pascal.repo_frames[-1].path) == (
        "test_unit.py",
        "python_programs/pascal.py",
    )
    heads = [line for line in output.splitlines() if line.startswith(("FAIL: ", "ERROR: "))]
    assert evidence.summary_failed is not None and evidence.summary_errors is not None
    assert evidence.summary_failed + evidence.summary_errors == len(heads)


def test_unittest_module_that_fails_to_import(tmp_path: Path) -> None:
    (tmp_path / "test_broken.py").write_text("from python_programs.missing import missing\n")
    (output,) = run_all(tmp_path, {"run": [sys.executable, "-m", "unittest", "test_broken"]}).values()
    evidence = parse_log(output, repo_root=tmp_path)
    (failure,) = evidence.failures
    assert (failure.kind, failure.test_id, failure.error_type) == (
        COLLECTION,
        "test_broken",
        "ModuleNotFoundError",
    )
    assert [(f.path, f.line) for f in failure.repo_frames] == [("test_broken.py", 1)]
    assert (evidence.summary_failed, evidence.summary_errors) == (0, 1)


def test_conftest_that_fails_to_import_stops_pytest_before_any_session(
    tmp_path: Path, checkout: Path
) -> None:
    projects = {}
    for name, conftest in (
        ("missing", "import python_programs.missing\n"),
        ("syntax", "def broken(:\n    pass\n"),
    ):
        projects[name] = tmp_path / name
        shutil.copytree(checkout, projects[name])
        (projects[name] / "python_testcases" / "conftest.py").write_text(conftest)
    outputs = {
        name: run_all(root, {"run": pytest_command("--tb=short")})["run"] for name, root in projects.items()
    }
    for name, error in (("missing", "ModuleNotFoundError"), ("syntax", "SyntaxError")):
        evidence = parse_log(outputs[name], repo_root=projects[name])
        (failure,) = evidence.failures
        assert (failure.kind, failure.test_id) == (COLLECTION, "python_testcases/conftest.py"), outputs[name]
        assert failure.error_type == error
        assert [(f.path, f.line) for f in failure.repo_frames] == [("python_testcases/conftest.py", 1)]
