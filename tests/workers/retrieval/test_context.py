"""Budgeted context on real code: never over budget, ranked functions whole with true line numbers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from inference.token_estimate import estimate_tokens
from tests.conftest import CORPORA
from workers.retrieval import Ranked, build_context, locate
from workers.retrieval.chunks import chunk_file

QUIXBUGS = CORPORA / "quixbugs"
NUMBERED = re.compile(r"^\s*(\d+) (.*)$")


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quix")
    shutil.copytree(QUIXBUGS / "python_programs", root / "python_programs")
    return root


def _whole_ranking(root: Path) -> list[Ranked]:
    """Every function of every program, as a ranking would list them (file, then its symbols)."""
    ranked = []
    for path in sorted((root / "python_programs").glob("*.py")):
        rel = f"python_programs/{path.name}"
        ranked.append(Ranked(rel, None, 1.0))
        for chunk in chunk_file(rel, path.read_text())[1:]:
            ranked.append(Ranked(rel, chunk.symbol, 0.5, [], chunk.start_line, chunk.end_line))
    return ranked


def _shown_lines(text: str) -> dict[tuple[str, int], str]:
    shown, current = {}, ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:]
        elif match := NUMBERED.match(line):
            shown[(current, int(match.group(1)))] = match.group(2)
    return shown


@pytest.mark.parametrize("budget", [0, 40, 150, 400, 1000, 3000, 13000])
def test_never_over_budget_and_every_line_is_the_real_line(programs: Path, budget: int) -> None:
    context = build_context(
        programs, _whole_ranking(programs), budget_tokens=budget, count_tokens=estimate_tokens
    )
    assert context.tokens <= budget
    assert estimate_tokens(context.text) == context.tokens or not context.text
    for (path, number), text in _shown_lines(context.text).items():
        assert (programs / path).read_text().splitlines()[number - 1] == text


def test_a_counter_that_disagrees_with_the_pieces_still_cannot_overflow(programs: Path) -> None:
    # A tokenizer whose count of a whole text exceeds the sum of its pieces (as BPE merges across joins can).
    def lumpy(text: str) -> int:
        return estimate_tokens(text) + text.count("## ") * 25

    context = build_context(programs, _whole_ranking(programs), budget_tokens=2000, count_tokens=lumpy)
    assert lumpy(context.text) <= 2000
    assert context.files


def test_ranked_functions_come_whole_and_the_rest_as_outline(programs: Path) -> None:
    ranked = locate(programs, issue_text="shunting_yard gives the wrong order of operators")
    assert ranked[0].path == "python_programs/shunting_yard.py"
    context = build_context(programs, ranked, budget_tokens=1500, count_tokens=estimate_tokens)
    assert "python_programs/shunting_yard.py::shunting_yard" in context.symbols
    assert context.files[0] == "python_programs/shunting_yard.py"
    source = (programs / "python_programs/shunting_yard.py").read_text().splitlines()
    shown = _shown_lines(context.text)
    chunk = next(c for c in chunk_file("x.py", "\n".join(source)) if c.symbol == "shunting_yard")
    for number in range(chunk.start_line, chunk.end_line + 1):
        assert shown[("python_programs/shunting_yard.py", number)] == source[number - 1]


def test_big_file_is_outlined_around_the_function_that_matters(tmp_path: Path) -> None:
    # QuixBugs programs are small; concatenate them into one module to get a file bigger than the budget.
    parts = [p.read_text() for p in sorted((QUIXBUGS / "python_programs").glob("*.py"))[:25]]
    (tmp_path / "algorithms.py").write_text("\n\n".join(parts))
    chunks = chunk_file("algorithms.py", (tmp_path / "algorithms.py").read_text())
    target = next(c for c in chunks if c.symbol == "gcd")
    ranked = [
        Ranked("algorithms.py", None, 1.0),
        Ranked("algorithms.py", "gcd", 1.0, [], target.start_line, None),
    ]
    context = build_context(tmp_path, ranked, budget_tokens=600, count_tokens=estimate_tokens)
    assert context.symbols == ["algorithms.py::gcd"]
    assert "⋮" in context.text
    headers = [c for c in chunks[1:] if c.symbol != "gcd" and c.depth == 0]
    shown = _shown_lines(context.text)
    # Other functions appear by their signature line only.
    assert any(("algorithms.py", c.start_line) in shown for c in headers)
    assert not any(("algorithms.py", c.end_line) in shown for c in headers if c.end_line > c.signature_end)
