"""Benchmark tasks from ../shared/corpora: each a small repository (buggy code and its tests), the test
command, and the fixed files (for the simulated model). Pure logic over the corpus files."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from workers.benchmark.projects import BENCH_TEST_COMMANDS, BUILDERS, TOOLCHAINS

# Plugin autoloading costs pytest seconds per start on a machine with many plugins installed; the
# benchmark loads only the timeout plugin, which fails a test whose buggy program loops forever (several
# QuixBugs programs do) instead of letting the run hit the sandbox's wall-clock limit.
PYTEST = (
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -rfE --tb=short -p no:cacheprovider "
    "-p pytest_timeout --timeout=3"
)
# HumanEval's JavaScript tests use console.assert, which only prints: make a failed assertion fail the run.
JS_HARNESS = (
    "console.assert = (ok, ...what) => {\n"
    "  if (!ok) { throw new Error('Assertion failed ' + what.join(' ')); }\n"
    "};\n"
)
DATASETS = ("quixbugs", "humanevalfix")
# The HumanEvalFix languages the benchmark runs: every one the corpus holds.
LANGUAGES = ("python", "js", "go", "rust", "java", "cpp")


@dataclass(frozen=True)
class BenchTask:
    name: str
    files: dict[str, str]  # the repository at its buggy commit
    fixed: dict[str, str]  # the files a right answer changes, as they should read
    test_command: str
    language: str


def load_tasks(corpora: Path, dataset: str, language: str = "python") -> list[BenchTask]:
    if dataset == "quixbugs":
        if language != "python":
            raise ValueError("QuixBugs has Python tasks only here")
        return quixbugs_tasks(corpora / "quixbugs")
    if dataset == "humanevalfix":
        return humanevalfix_tasks(corpora / "humanevalfix" / "data", language)
    raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")


def quixbugs_tasks(root: Path) -> list[BenchTask]:
    shared = {
        "conftest.py": (root / "conftest.py").read_text(),
        "python_testcases/load_testdata.py": (root / "python_testcases" / "load_testdata.py").read_text(),
        "python_testcases/node.py": (root / "python_testcases" / "node.py").read_text(),
        "python_programs/node.py": (root / "python_programs" / "node.py").read_text(),
    }
    tasks = []
    for test in sorted((root / "python_testcases").glob("test_*.py")):
        name = test.stem.removeprefix("test_")
        program = f"python_programs/{name}.py"
        files = {
            **shared,
            program: (root / program).read_text(),
            f"python_testcases/{test.name}": test.read_text(),
        }
        data = root / "json_testcases" / f"{name}.json"
        if data.is_file():
            files[f"json_testcases/{name}.json"] = data.read_text()
        correct = (root / "correct_python_programs" / f"{name}.py").read_text()
        fixed = {program: _quixbugs_fixed(files[program], correct)}
        command = f"{PYTEST} python_testcases/{test.name}"
        tasks.append(BenchTask(f"quixbugs-{name}", files, fixed, command, "python"))
    return tasks


def _quixbugs_fixed(buggy: str, correct: str) -> str:
    """The buggy file with the correct program's code: upstream's correct versions replace the description
    that follows the code (with alternatives or nothing), which a fix would keep."""
    lines = buggy.splitlines(keepends=True)
    return "".join(_code_lines(correct.splitlines(keepends=True))) + "".join(lines[len(_code_lines(lines)) :])


def _code_lines(lines: list[str]) -> list[str]:
    """The lines before the module-level description string, without the blank lines ending them."""
    end = next((i for i, line in enumerate(lines) if line.startswith('"""')), len(lines))
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return lines[:end]


def humanevalfix_tasks(data: Path, language: str) -> list[BenchTask]:
    path = data / language / "humanevalpack.jsonl"
    if not path.is_file():
        raise ValueError(
            f"no HumanEvalFix tasks for {language!r}; known: {sorted(p.name for p in data.iterdir())}"
        )
    make = {"python": _python_task, "js": _js_task}.get(language)
    if make is None and language in BUILDERS:
        make = _project_task
    if make is None:
        raise ValueError(f"the benchmark runs HumanEvalFix in {', '.join(LANGUAGES)} here, not {language!r}")
    missing = [tool for tool in TOOLCHAINS.get(language, ()) if shutil.which(tool) is None]
    if missing:
        raise ValueError(f"HumanEvalFix {language} needs {' and '.join(missing)}, not installed here")
    with path.open(encoding="utf-8") as rows:
        return [make(json.loads(line)) for line in rows if line.strip()]


def _slug(task_id: str) -> str:
    return "humanevalfix-" + task_id.replace("/", "-").lower()


def _python_task(row: dict[str, str]) -> BenchTask:
    entry = row["entry_point"]
    # The dataset's test calls check(entry) at module level; a pytest test function makes it a named test.
    lines = row["test"].rstrip().splitlines()
    check = lines.pop() if lines and lines[-1].startswith("check(") else f"check({entry})"
    test = (
        "from solution import *  # noqa: F403\n"
        + "\n".join(lines)
        + f"\n\n\ndef test_{entry}():\n    {check}\n"
    )
    files = {"solution.py": row["declaration"] + row["buggy_solution"], f"test_{entry}.py": test}
    fixed = {"solution.py": row["declaration"] + row["canonical_solution"]}
    return BenchTask(_slug(row["task_id"]), files, fixed, f"{PYTEST} test_{entry}.py", "python")


def _js_task(row: dict[str, str]) -> BenchTask:
    files = {"solution.js": row["declaration"] + row["buggy_solution"], "test.js": JS_HARNESS + row["test"]}
    fixed = {"solution.js": row["declaration"] + row["canonical_solution"]}
    # One script, since the tests call the functions as globals; /tmp is private to each sandbox. Some
    # buggy solutions loop forever: `timeout` makes that a failing run rather than the sandbox's limit.
    command = "cat solution.js test.js > /tmp/run.js && timeout 10 node /tmp/run.js"
    return BenchTask(_slug(row["task_id"]), files, fixed, command, "js")


def _project_task(row: dict[str, str]) -> BenchTask:
    """Go, Rust, Java and C++ tasks as projects of their language, tested as BENCH_TEST_COMMANDS says."""
    language = row["task_id"].split("/")[0].lower()
    project = BUILDERS[language](row)
    command = BENCH_TEST_COMMANDS[language]
    return BenchTask(_slug(row["task_id"]), project.files, project.fixed, command, language)
