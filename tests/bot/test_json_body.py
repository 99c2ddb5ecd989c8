"""bot/json_body.py alone: the depth limit at its edge, however the nesting is built, and a wide payload
that is not deep."""

from __future__ import annotations

import json

import pytest

from bot.json_body import MAX_DEPTH, parse_object
from bot.refused import Refused


def _objects(depth: int) -> str:
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


def _mixed(depth: int) -> str:
    """Objects and arrays alternating, `depth` levels in all, inside a top-level object."""
    inner = "1"
    for level in range(depth - 1):
        inner = f"[{inner}]" if level % 2 else f'{{"k":{inner}}}'
    return f'{{"x":{inner}}}'


@pytest.mark.parametrize("build", [_objects, _mixed])
def test_the_limit_itself_passes_and_one_more_level_is_refused(build) -> None:
    assert parse_object(build(MAX_DEPTH).encode())
    with pytest.raises(Refused, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_object(build(MAX_DEPTH + 1).encode())


def test_arrays_alone_count_as_levels() -> None:
    body = '{"a":' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}"
    with pytest.raises(Refused, match="nested deeper"):
        parse_object(body.encode())


def test_brackets_inside_strings_do_not_make_a_shallow_body_deep() -> None:
    # Hundreds of brackets in strings (URL templates, commit messages) and many sibling containers: shallow.
    payload = {f"k{i}": {"url": "https://x/{/id}[" * 5, "list": [[i]]} for i in range(200)}
    assert parse_object(json.dumps(payload).encode()) == payload


def test_a_deep_part_hidden_among_many_shallow_siblings_is_found() -> None:
    siblings = ",".join(f'"s{i}":{{"v":[1]}}' for i in range(100))
    body = "{" + siblings + ',"deep":' + _objects(MAX_DEPTH) + "}"
    with pytest.raises(Refused, match=r"nested deeper than 64 levels \(at .*a\.a\)"):
        parse_object(body.encode())


def test_a_duplicate_key_deep_down_is_still_refused() -> None:
    body = '{"a":' + '{"b":1,"b":2}' + "}"
    with pytest.raises(Refused, match="duplicate key 'b'"):
        parse_object(body.encode())
