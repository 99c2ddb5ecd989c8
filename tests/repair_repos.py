"""Small real git repositories and a repair loop over them, for the repair-loop, reproduce and candidate
tests: real git, real pytest, the real sandbox; only the model is the TGI stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from core.settings import load_settings
from inference.tgi_client import TGIModel
from tests.bugs import search_replace
from tests.checkouts import commit_files
from workers.checkout.workspace import Workspace
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairLoop, RepairResult, RepairTask
from workers.runners.process import CommandRunner
from workers.runners.sandbox import make_runner

PYTEST = "python -m pytest -q -rfE --tb=short -p no:cacheprovider"

CALC = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
CALC_TESTS = (
    "from calc import add, mul\n\n\n"
    "def test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n"
)
CALC_REPO = {"calc.py": CALC, "test_calc.py": CALC_TESTS}

# Answers a model could give for CALC, in the SEARCH/REPLACE shape it is asked for.
ADD_RIGHT = search_replace("calc.py", "    return a - b", "    return a + b", "add subtracts.")
# Right too, but a bigger change.
ADD_RIGHT_LONG = search_replace(
    "calc.py", "    return a - b", "    total = a\n    total += b\n    return total", "add subtracts."
)
ADD_WRONG = search_replace("calc.py", "    return a - b", "    return a * b", "add must multiply?")
# Fixes add but breaks mul, which passed on the base commit.
ADD_RIGHT_MUL_BROKEN = search_replace(
    "calc.py",
    "    return a - b\n\n\ndef mul(a, b):\n    return a * b",
    "    return a + b\n\n\ndef mul(a, b):\n    return a + b",
    "add and mul mixed up.",
)
UNAPPLIABLE = search_replace("calc.py", "    return a / b", "    return a + b", "no such line.")


def make_repo(root: Path, files: dict[str, str]) -> Workspace:
    return Workspace(commit_files(root, files))


def sandbox_runner(job_dir: Path) -> CommandRunner:
    return make_runner(load_settings(), job_dir)


def task(test_command: str = PYTEST, **fields: object) -> RepairTask:
    base = RepairTask(
        repository="acme/calc",
        task_text="Make the failing tests pass.",
        query_text="",
        test_command=test_command,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@contextmanager
def repair_loop(job_dir: Path, files: dict[str, str], tgi_url: str, **config: object) -> Iterator[RepairLoop]:
    """A loop over a fresh repository in job_dir/repo, its runner sandboxed to job_dir, as jobs.py does."""
    workspace = make_repo(job_dir / "repo", files)
    limits = repair_config(
        load_settings(), **{"max_rounds": 1, "candidates": 1, "test_timeout_s": 60, **config}
    )
    with TGIModel(tgi_url, timeout_s=30, retries=0, backoff_base_s=0.01) as model:
        yield RepairLoop(model, sandbox_runner(job_dir), workspace, limits)


def attempt_notes(result: RepairResult) -> list[str]:
    return [a.note for a in result.attempts]
