"""YAML from a stranger, loaded within limits: no anchors or aliases (no "billion laughs"), bounded size,
depth and node count (no recursion errors, no memory blow-up), no duplicate keys (the last one silently
winning hides mistakes). Errors name the line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 64 * 1024
MAX_DEPTH = 16
MAX_NODES = 10_000


class BoundedYamlError(ValueError):
    """The text is not YAML this loader accepts; the message is one line and names the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


def _line(node_or_event: Any) -> int | None:
    mark = getattr(node_or_event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


class _BoundedLoader(yaml.SafeLoader):
    def __init__(self, text: str, limits: Limits) -> None:
        super().__init__(text)
        self.limits = limits
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise BoundedYamlError(f"aliases (*{event.anchor}) are not allowed", _line(event))
        if getattr(event, "anchor", None):
            raise BoundedYamlError(f"anchors (&{event.anchor}) are not allowed", _line(event))
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise BoundedYamlError(f"more than {self.limits.max_nodes} values", _line(event))
        self.depth += 1
        try:
            if self.depth > self.limits.max_depth:
                raise BoundedYamlError(f"nested deeper than {self.limits.max_depth} levels", _line(event))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int | None] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # only useful with aliases, which are refused
                raise BoundedYamlError("merge keys (<<) are not allowed", _line(key_node))
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise BoundedYamlError("a key must be a plain value", _line(key_node)) from None
            if duplicate:
                raise BoundedYamlError(
                    f"`{shown(key)}` appears twice (first on line {seen[key]})", _line(key_node)
                )
            seen[key] = _line(key_node)
        return super().construct_mapping(node, deep=deep)


def shown(value: object, limit: int = 60) -> str:
    """A value from the file, fit for a one-line message: escaped, and cut when long."""
    text = repr(value) if not isinstance(value, str) else value
    text = text.encode("unicode_escape", errors="backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(exc: yaml.YAMLError) -> BoundedYamlError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    problem = ", ".join(shown(p, 200) for p in parts if p) or shown(str(exc), 200)
    return BoundedYamlError(f"not valid YAML: {problem}", mark.line + 1 if mark is not None else None)


def load(text: str, limits: Limits = Limits()) -> tuple[Any, Node | None]:
    """The value of a one-document YAML text, and its node tree (for line numbers)."""
    if len(text.encode("utf-8", errors="surrogatepass")) > limits.max_bytes:
        raise BoundedYamlError(f"larger than {limits.max_bytes // 1024} KiB")
    try:
        loader = _BoundedLoader(text, limits)  # the reader refuses control characters right here
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"not valid YAML: character #x{exc.character:04x} is not allowed"
        raise BoundedYamlError(message, line) from None
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        raise _one_line(exc) from None
    except RecursionError:  # not reachable within MAX_DEPTH; kept so a raised limit cannot crash
        raise BoundedYamlError("nested too deeply") from None
    finally:
        loader.dispose()


def line_of(node: Node | None, *path: str | int) -> int | None:
    """The line of the value at `path` (mapping keys and sequence indexes) in a composed tree; for a
    missing step, the line of the nearest node on the way."""
    line = _line(node)
    for step in path:
        if isinstance(node, MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step), None)
            if match is None:
                return line
            node = match[1]
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            return line
        line = _line(node)
    return line


def key_line(node: Node | None, key: str) -> int | None:
    """The line of a top-level key itself (for an unknown key)."""
    if isinstance(node, MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return _line(k)
    return _line(node)
