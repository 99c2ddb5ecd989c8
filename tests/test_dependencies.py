"""pyproject.toml declares exactly the distributions the code imports: none missing (an install from the
package would break on the first import), none unused (a dependency nobody can tell the reason for)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "workers", "inference", "core")
# bench/ is ours too: its pure helpers (bench/gold_functions.py) have tests of their own.
FIRST_PARTY = {*PRODUCT, "tests", "bench"}
# Modules that run inside the repository under repair's own interpreter (a pytest plugin the sandbox
# loads), not ours: what they import is that repository's business.
FOREIGN = {"workers/retrieval/tracer_pytest.py"}
# Repositories under repair, with their own imports.
NOT_OURS = ("tests/fixtures/",)
# Test extras run rather than imported: linters, type stubs, pytest's timeout plugin (found by entry point).
TOOLS = {"ruff", "mypy", "types-pyyaml", "types-requests", "pytest-timeout"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, f"cannot read the requirement {requirement!r}"
        names.add(_normal(match.group()))
    return names


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _top_level_imports(tree: ast.AST, installed: set[str]) -> set[str]:
    names: set[str] = set()
    dynamic = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Attribute) and node.attr == "import_module":
            dynamic = True
    if dynamic:
        # Modules imported by name (the tree-sitter grammar wheels): any string in the module that names an
        # installed top-level module counts.
        names.update(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in installed
        )
    return names


def imported_distributions(folders: tuple[str, ...]) -> set[str]:
    """The distributions that provide the third-party modules the folders' Python files import."""
    providers = importlib.metadata.packages_distributions()
    found: set[str] = set()
    unknown: list[str] = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in FOREIGN or relative.startswith(NOT_OURS):
                continue
            for name in _top_level_imports(ast.parse(path.read_text(), relative), set(providers)):
                if name in FIRST_PARTY or name in sys.stdlib_module_names:
                    continue
                if name not in providers:
                    unknown.append(f"{relative}: {name}")
                    continue
                found.update(_normal(d) for d in providers[name])
    assert not unknown, f"imports no installed distribution provides: {unknown}"
    return found


def test_runtime_dependencies_are_what_the_product_imports() -> None:
    declared = _declared(_pyproject()["project"]["dependencies"])
    imported = imported_distributions(PRODUCT)
    assert (sorted(imported - declared), sorted(declared - imported)) == ([], []), (
        "(imported but not declared, declared but not imported) in [project] dependencies"
    )


def test_test_extras_cover_what_the_tests_import() -> None:
    project = _pyproject()["project"]
    runtime = _declared(project["dependencies"])
    test_extra = _declared(project["optional-dependencies"]["test"])
    imported = imported_distributions(("tests",))
    assert sorted(imported - runtime - test_extra) == [], "imported by tests/, declared nowhere"
    assert sorted(test_extra - imported - TOOLS) == [], "test extras nothing imports (a tool? see TOOLS)"
