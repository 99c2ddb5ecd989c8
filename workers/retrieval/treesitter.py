"""Definitions in non-Python files through tree-sitter, when workers/checkout/grammars.py has a grammar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.checkout.grammars import parser_for

_DEFINITIONS = {
    "function_declaration": "function",
    "function_definition": "function",
    "function_item": "function",
    "method_definition": "function",
    "method_declaration": "function",
    "constructor_declaration": "function",
    "method": "function",
    "class_declaration": "class",
    "class_definition": "class",
    "class_specifier": "class",
    "struct_specifier": "class",
    "interface_declaration": "class",
    "enum_declaration": "class",
    "struct_item": "class",
    "enum_item": "class",
    "trait_item": "class",
    "impl_item": "class",
    "type_declaration": "class",
    "class": "class",
    "module": "class",
}

_DECLARATOR_NAMES = {
    "identifier",
    "field_identifier",
    "qualified_identifier",
    "destructor_name",
    "operator_name",
}
# `const f = (x) => ...` defines a function as far as a reader is concerned.
_FUNCTION_VALUES = {"arrow_function", "function_expression", "function"}


def _name(node: Any) -> str | None:
    target = node.child_by_field_name("name")
    if target is None:
        # C and C++ hide the name inside nested declarators: int *(*f)(void) -> f.
        declarator = node.child_by_field_name("declarator")
        while declarator is not None and declarator.type not in _DECLARATOR_NAMES:
            declarator = declarator.child_by_field_name("declarator")
        target = declarator
    if target is None:
        target = node.child_by_field_name("type")  # Rust's `impl Type`
    if target is None:
        spec = next((c for c in node.named_children if c.type == "type_spec"), None)  # Go's `type T struct`
        target = spec.child_by_field_name("name") if spec is not None else None
    if target is None or target.text is None:
        return None
    return bytes(target.text).decode("utf-8", errors="replace").split("(")[0].strip() or None


def _kind(node: Any) -> str | None:
    if node.type == "variable_declarator":
        value = node.child_by_field_name("value")
        return "function" if value is not None and value.type in _FUNCTION_VALUES else None
    return _DEFINITIONS.get(node.type)


def chunks(path: str, text: str, language: str, make: Callable[..., Any]) -> list[Any] | None:
    """Chunks made by `make(path, symbol, kind, start, end, signature_end, depth)`; None if unparsable."""
    parser = parser_for(language)
    if parser is None:
        return None
    tree = parser.parse(text.encode("utf-8"))
    found: list[Any] = []

    def visit(node: Any, prefix: str, depth: int) -> None:
        for child in node.named_children:
            kind = _kind(child)
            if kind is None:
                visit(child, prefix, depth)
                continue
            name = _name(child)
            if name is None:
                visit(child, prefix, depth)
                continue
            symbol = f"{prefix}{name}"
            start, end = child.start_point[0] + 1, child.end_point[0] + 1
            body = child.child_by_field_name("body")
            header_end = body.start_point[0] + 1 if body is not None else start
            found.append(make(path, symbol, kind, start, end, header_end, depth))
            if kind == "class":
                visit(child, symbol + ".", depth + 1)

    visit(tree.root_node, "", 0)
    return found
