"""Small real repositories with real bugs, built from QuixBugs (../shared/corpora/quixbugs, MIT)."""

from __future__ import annotations

from tests.conftest import CORPORA

QUIXBUGS = CORPORA / "quixbugs"
QUIXBUGS_LOGS = CORPORA / "ci-logs" / "generated-locally" / "quixbugs-pytest-buggy"


def quixbugs_repo(name: str) -> dict[str, str]:
    """One QuixBugs program with its buggy code, its pytest test and test data, laid out as upstream."""
    return {
        f"python_programs/{name}.py": (QUIXBUGS / "python_programs" / f"{name}.py").read_text(),
        f"python_testcases/test_{name}.py": (QUIXBUGS / "python_testcases" / f"test_{name}.py").read_text(),
        "python_testcases/load_testdata.py": (QUIXBUGS / "python_testcases" / "load_testdata.py").read_text(),
        f"json_testcases/{name}.json": (QUIXBUGS / "json_testcases" / f"{name}.json").read_text(),
        "conftest.py": (QUIXBUGS / "conftest.py").read_text(),
        "README.md": f"# {name}\n\nFrom QuixBugs (MIT).\n",
    }


def quixbugs_ci_log(name: str) -> str:
    """The real pytest output of that program's tests on its buggy code, as CI printed it."""
    return (QUIXBUGS_LOGS / f"{name}.log").read_text()


def search_replace(path: str, search: str, replace: str, explanation: str) -> str:
    """A model answer in the SEARCH/REPLACE shape Code Llama is asked for."""
    block = f"<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE"
    return f"{explanation}\n\n{path}\n```python\n{block}\n```\n"


PARENS = "is_valid_parenthesization"
PARENS_PATH = f"python_programs/{PARENS}.py"
# Applies cleanly but leaves the bug: unbalanced "((" still counts as valid.
PARENS_WRONG = search_replace(
    PARENS_PATH,
    "            if depth < 0:\n                return False",
    "            if depth < 0:\n                return bool(False)",
    "A closing parenthesis without an opener must make the string invalid.",
)
PARENS_RIGHT = search_replace(
    PARENS_PATH,
    "    return True",
    "    return depth == 0",
    "The function ignores parentheses left open at the end: it must check that depth is back to zero.",
)
