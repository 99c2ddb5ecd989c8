"""A workflow job's matrix: its combinations in GitHub's order, the names GitHub gives matrix jobs, and
`${{ matrix.NAME }}`, the one expression evaluated. Pure."""

from __future__ import annotations

import itertools
import re
from typing import Any

MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
MAX_COMBINATIONS = 256


class MatrixTooBig(ValueError):
    """More combinations than anyone runs: a bomb, not a test matrix."""


def display_name(base: str, combo: dict[str, Any]) -> str:
    """How GitHub names a matrix job: its name with matrix values filled in, or the values appended."""
    if not combo:
        return base
    if MATRIX_REF.search(base):
        return MATRIX_REF.sub(lambda m: text(combo.get(m.group(1), "")), base)
    return f"{base} ({', '.join(text(v) for v in combo.values())})"


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def matrix_of(job: dict[str, Any]) -> dict[str, Any]:
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    return matrix if isinstance(matrix, dict) else {}


def first_include(job: dict[str, Any]) -> dict[str, Any]:
    include = _mappings(matrix_of(job).get("include"))
    return dict(include[0]) if include else {}


def combinations(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The job's matrix combinations in GitHub's order: the product of the dimensions, minus `exclude`,
    with each `include` extending the combinations it matches or added after them."""
    matrix = matrix_of(job)
    dims = {str(k): v for k, v in matrix.items() if k not in ("include", "exclude") and isinstance(v, list)}
    total = 1
    for values in dims.values():
        total *= max(len(values), 1)
    if total > MAX_COMBINATIONS:
        raise MatrixTooBig(f"more than {MAX_COMBINATIONS} matrix combinations")
    combos = (
        [dict(zip(dims, values, strict=True)) for values in itertools.product(*dims.values())] if dims else []
    )
    excludes = _mappings(matrix.get("exclude"))
    combos = [c for c in combos if not any(all(c.get(k) == v for k, v in e.items()) for e in excludes)]
    for extra in _mappings(matrix.get("include")):
        matched = [c for c in combos if all(c.get(k) == v for k, v in extra.items() if k in dims)]
        if matched and any(k in dims for k in extra):
            for combo in matched:
                combo.update({k: v for k, v in extra.items() if k not in dims})
        else:
            combos.append(dict(extra))
    return combos


def resolve(template: str, matrix: dict[str, Any]) -> str:
    """`${{ matrix.NAME }}` filled in from `matrix`; an unknown name stays as it is (so it is refused)."""
    return MATRIX_REF.sub(lambda m: text(matrix.get(m.group(1), m.group(0))), template)


def _mappings(value: Any) -> list[dict[Any, Any]]:
    """The mappings of an `include` or `exclude` list; anything else in it (or instead of it) is ignored."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
