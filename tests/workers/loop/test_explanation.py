"""The model's explanation, taken from answers in the shapes real models give."""

from __future__ import annotations

from workers.loop.explanation import explanation_of


def test_prose_before_a_search_replace_block() -> None:
    answer = (
        "The loop stops one step early: `range(1, n)` skips n itself.\n\n"
        "python_programs/bitcount.py\n```python\n<<<<<<< SEARCH\n    n ^= n - 1\n=======\n    n &= n - 1\n"
        ">>>>>>> REPLACE\n```\n"
    )
    assert explanation_of(answer) == "The loop stops one step early: `range(1, n)` skips n itself."


def test_prose_before_a_unified_diff() -> None:
    answer = "XOR toggles bits instead of clearing the lowest one.\n--- a/bitcount.py\n+++ b/bitcount.py\n"
    assert explanation_of(answer) == "XOR toggles bits instead of clearing the lowest one."


def test_an_answer_with_no_prose_has_no_explanation() -> None:
    assert explanation_of("```python\nprint(1)\n```") == ""
