"""A tight budget: the failing path's functions whole, the rest of their files as signatures, and a function
too big for the budget cut with a note rather than dropped or truncated silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inference.token_estimate import estimate_tokens
from workers.retrieval import Ranked, build_context
from workers.retrieval.chunks import chunk_file

NUMBERED = re.compile(r"^\s*(\d+) (.*)$")


def _function(name: str, body_lines: int) -> str:
    body = "\n".join(f"    total = total + {i}  # step {i} of {name}" for i in range(body_lines))
    doc = f'    """Docstring of {name}.\n\n    More words.\n    """'
    return f"def {name}(values):\n{doc}\n    total = 0\n{body}\n    return total\n"


def _shown(text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for line in text.splitlines() if (m := NUMBERED.match(line))}


def _module(tmp_path: Path, names: list[str], body_lines: int) -> tuple[str, list[str]]:
    source = "\n\n".join(_function(name, body_lines) for name in names)
    (tmp_path / "calc.py").write_text(source)
    return source, source.splitlines()


def test_tight_budget_keeps_the_failing_path_function_whole_and_its_siblings_as_signatures(
    tmp_path: Path,
) -> None:
    names = ["parse", "tokenize", "evaluate", "render", "validate", "simplify"]
    source, lines = _module(tmp_path, names, 30)
    chunks = {c.symbol: c for c in chunk_file("calc.py", source)[1:]}
    # The text ranks other functions above the one the failing test's call path runs through.
    ranked = [
        Ranked("calc.py", None, 2.0, ["lexical: file BM25 rank 1"]),
        Ranked("calc.py", "parse", 1.0, ["lexical: BM25 rank 1"]),
        Ranked("calc.py", "tokenize", 0.9, ["lexical: BM25 rank 2"]),
        Ranked(
            "calc.py",
            "evaluate",
            0.5,
            ["call-path: 1 call(s) from 1/1 failing tests, reached by 0 other tests"],
        ),
    ]
    one = estimate_tokens("\n".join(lines[chunks["evaluate"].start_line - 1 : chunks["evaluate"].end_line]))
    budget = int(one * 1.8)  # room for one function whole and signatures, not for two functions whole
    context = build_context(tmp_path, ranked, budget_tokens=budget, count_tokens=estimate_tokens)

    assert context.tokens <= budget
    assert "calc.py::evaluate" in context.symbols
    shown = _shown(context.text)
    for number, text in shown.items():
        assert lines[number - 1] == text
    evaluate = chunks["evaluate"]
    assert all(n in shown for n in range(evaluate.start_line, evaluate.end_line + 1))
    for name in ("render", "validate", "simplify"):
        chunk = chunks[name]
        # Signature: the def line and the docstring's first line; not the body.
        assert shown.get(chunk.start_line) == f"def {name}(values):"
        assert shown.get(chunk.start_line + 1) == f'    """Docstring of {name}.'
        assert chunk.end_line not in shown
    # The top-ranked function did not fit whole: it is shown from its start, cut with a note, never silently.
    parse = chunks["parse"]
    assert "calc.py::parse" not in context.symbols
    assert f"(cut to fit the token budget: parse continues to line {parse.end_line})" in context.text
    assert parse.start_line in shown and parse.end_line not in shown


def test_a_loose_budget_shows_the_small_file_whole_and_nothing_is_cut(tmp_path: Path) -> None:
    names = ["parse", "evaluate"]
    _, lines = _module(tmp_path, names, 3)
    ranked = [
        Ranked("calc.py", None, 2.0, ["lexical: file BM25 rank 1"]),
        Ranked("calc.py", "evaluate", 0.5, ["call-path: 1 call(s) from 1/1 failing tests"]),
    ]
    context = build_context(tmp_path, ranked, budget_tokens=13000, count_tokens=estimate_tokens)
    assert sorted(_shown(context.text)) == list(range(1, len(lines) + 1))
    assert "cut to fit" not in context.text
    assert set(context.symbols) == {"calc.py::parse", "calc.py::evaluate"}


@pytest.mark.parametrize("budget", [60, 150, 400])
def test_a_function_bigger_than_the_budget_is_cut_with_a_note(tmp_path: Path, budget: int) -> None:
    source, lines = _module(tmp_path, ["huge"], 400)
    chunk = chunk_file("calc.py", source)[1]
    ranked = [
        Ranked("calc.py", None, 1.0),
        Ranked("calc.py", "huge", 1.0, ["frame: innermost frame calc.py:9"]),
    ]
    context = build_context(tmp_path, ranked, budget_tokens=budget, count_tokens=estimate_tokens)
    assert context.tokens <= budget
    assert context.symbols == []
    shown = _shown(context.text)
    # A head of the function from its def line, every line real, and the note right after it.
    assert sorted(shown) == list(range(1, max(shown) + 1))
    assert all(lines[n - 1] == text for n, text in shown.items())
    assert f"     ⋮ (cut to fit the token budget: huge continues to line {chunk.end_line})" in context.text


def test_the_cut_note_goes_when_the_final_measure_drops_its_lines(tmp_path: Path) -> None:
    # A counter that charges the whole text far more than its pieces: every piece is dropped again.
    _module(tmp_path, ["huge"], 400)
    ranked = [Ranked("calc.py", None, 1.0), Ranked("calc.py", "huge", 1.0, ["coverage: line 9"])]

    def lumpy(text: str) -> int:
        return estimate_tokens(text) + (500 if "## " in text else 0)

    context = build_context(tmp_path, ranked, budget_tokens=300, count_tokens=lumpy)
    assert lumpy(context.text) <= 300 or not context.text
    assert "cut to fit" not in context.text or _shown(context.text)


HOSTILE = {
    "empty": b"",
    "syntax error": b"def broken(:\n    return 1\n" * 50,
    "not utf-8": b"def f():\n    return '\xff\xfe'\n" + b"\x00\x9c" * 200,
    "one enormous line": b"def f(): return " + b"1 + " * 50_000 + b"1\n",
    "deep nesting": b"x = " + b"(" * 3000 + b")" * 3000 + b"\n",
    "crlf": b"def f():\r\n    '''Doc.'''\r\n    return 1\r\n" * 100,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("budget", [-5, 0, 50, 2000])
def test_hostile_sources_never_overflow_or_raise(tmp_path: Path, name: str, budget: int) -> None:
    (tmp_path / "bad.py").write_bytes(HOSTILE[name])
    ranked = [
        Ranked("bad.py", None, 1.0),
        Ranked("bad.py", "f", 1.0, ["frame: innermost frame bad.py:1"]),
        Ranked("bad.py", "no_such_symbol", 0.9, ["call-path: 1 call(s)"]),
        Ranked("../outside.py", None, 0.8),
        Ranked("missing.py", "g", 0.7, ["coverage: line 3"]),
    ]
    context = build_context(tmp_path, ranked, budget_tokens=budget, count_tokens=estimate_tokens)
    assert context.tokens <= max(budget, 0)
    assert "outside" not in context.text and "missing.py" not in context.text
