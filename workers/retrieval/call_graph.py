"""A static call graph of a Python checkout, through `ast`: who calls (or names) which function.

Resolution goes as far as static analysis allows without running anything: names defined in the same module,
imports (aliased, relative, re-exported through a package's `__init__` or `import *`), `module.attr`,
`self.method` / `cls.method` up the class's bases in the repository, `Class.method`, and `Class(...)`, which
runs `Class.__init__`. A name that resolves nowhere (a builtin, a third-party call, a dynamic attribute) is
dropped: the graph under-approximates, it never guesses.

Files are analysed lazily, the first time a walk reaches them, so a walk from a few tests on a repository
of thousands of files reads only the files on its way. Nodes are (repository path, qualified symbol) pairs,
the same symbols `chunks.py` gives (nested functions belong to their enclosing function).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

Node = tuple[str, str]  # (repository path, qualified symbol such as "QuerySet.count")

# Hostile or generated files: anything larger is skipped rather than parsed (parser tables, vendored blobs).
MAX_SOURCE_CHARS = 1_000_000
# Re-exports through package __init__ files rarely chain deeper than this; a cycle must not loop.
MAX_REEXPORT_HOPS = 4


@dataclass
class _Module:
    """What one file defines and what each of its functions refers to, before resolution."""

    path: str
    package: str  # dotted package the file is in, for relative imports
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    star_imports: list[str] = field(default_factory=list)  # dotted modules imported with *
    functions: set[str] = field(default_factory=set)  # qualified symbols of functions
    classes: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # symbol -> base name chains
    refs: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # function -> name chains it uses
    # function -> name of its first parameter when it is a method (self, cls), for `self.x` chains
    receivers: dict[str, str] = field(default_factory=dict)
    # function -> chains of calls whose result it returns as is (`return g(x)`, `return a if c else g(x)`)
    passes_on: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    # class -> attribute -> the name it is bound to in the class body (`Cache = LFUCache` in a test class)
    class_attrs: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # function -> local -> what made it (`cache = self.Cache(2)` -> ("self", "Cache"))
    made_by: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def defines(self, symbol: str) -> bool:
        return symbol in self.functions or symbol in self.classes


def module_name(path: str) -> str:
    """`src/pkg/mod.py` -> `src.pkg.mod`; `pkg/__init__.py` -> `pkg`."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def analyse(path: str, text: str) -> _Module:
    """Definitions, imports and references of one file; an empty module when it cannot be parsed.

    Syntax errors, null bytes, nesting deep enough to exhaust the parser's recursion and oversized files
    all give an empty module: one bad file must not stop the walk through the others.
    """
    name = module_name(path)
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    module = _Module(path, package)
    if len(text) > MAX_SOURCE_CHARS:
        return module
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return module
    _collect_imports(module, tree)
    _collect_definitions(module, tree.body, "", None)
    return module


def _collect_imports(module: _Module, tree: ast.Module) -> None:
    # Imports anywhere count (inside functions too): a local `from .x import f` is still a link to x.f.
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = alias.name
                else:  # `import a.b` binds `a`; `a.b.f` chains then resolve through the full dotted name
                    module.imports.setdefault(alias.name.split(".")[0], alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.package.split(".") if module.package else []
                keep = len(parts) - (node.level - 1)
                if keep < 0:
                    continue
                base = ".".join([*parts[:keep], *([base] if base else [])])
            for alias in node.names:
                if alias.name == "*":
                    module.star_imports.append(base)
                else:
                    target = f"{base}.{alias.name}" if base else alias.name
                    module.imports[alias.asname or alias.name] = target


def _collect_definitions(module: _Module, body: list[ast.stmt], prefix: str, cls: str | None) -> None:
    """Functions and classes as chunks.py names them: classes recurse, functions keep nested defs inside."""
    pending: list[tuple[list[ast.stmt], str, str | None]] = [(body, prefix, cls)]
    while pending:
        statements, prefix, cls = pending.pop()
        for node in statements:
            if isinstance(node, (ast.If, ast.Try)):
                blocks = [node.body, node.orelse, getattr(node, "finalbody", [])]
                blocks += [h.body for h in getattr(node, "handlers", [])]
                pending.extend((block, prefix, cls) for block in blocks)
            elif isinstance(node, ast.ClassDef):
                symbol = prefix + node.name
                module.classes[symbol] = [c for c in map(name_chain, node.bases) if c]
                module.class_attrs[symbol] = _class_aliases(node.body)
                pending.append((node.body, symbol + ".", symbol))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                symbol = prefix + node.name
                module.functions.add(symbol)
                module.refs[symbol], module.made_by[symbol] = _references(node)
                module.passes_on[symbol] = _returned_calls(node)
                params = node.args.posonlyargs + node.args.args
                is_static = any(name_chain(d) == ("staticmethod",) for d in node.decorator_list)
                if cls is not None and params and not is_static:
                    module.receivers[symbol] = params[0].arg


def _class_aliases(body: list[ast.stmt]) -> dict[str, tuple[str, ...]]:
    """`Cache = LFUCache` or `decorator = staticmethod(lru_cache)` in a class body: the name each binds."""
    aliases: dict[str, tuple[str, ...]] = {}
    for node in body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if (
                isinstance(value, ast.Call)
                and name_chain(value.func) in (("staticmethod",), ("classmethod",))
                and len(value.args) == 1
            ):
                value = value.args[0]
            chain = name_chain(value) if isinstance(value, (ast.Name, ast.Attribute)) else None
            if chain:
                aliases[node.targets[0].id] = chain
    return aliases


def _references(function: ast.AST) -> tuple[list[tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Name chains the function body loads (`f`, `self.g`, `mod.Class.h`), each once.

    A local bound once to a call (`box = Box(1)`) stands for what it was made by, so `box.get()` reads as
    `Box.get`: the one piece of type inference that pays in tests, which build an object and call it. The
    locals and their makers are returned too.
    """
    found: dict[tuple[str, ...], None] = {}
    made_by: dict[str, tuple[str, ...]] = {}
    stack: list[ast.AST] = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
        ):
            maker = name_chain(node.value.func)
            if maker:
                made_by[node.targets[0].id] = maker
        for operand, dunder in operator_uses(node):
            found.setdefault((operand, dunder), None)
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            chain = name_chain(node)
            if chain:
                found.setdefault(chain, None)
                continue  # the chain covers its prefixes: resolution tries them longest first
        stack.extend(ast.iter_child_nodes(node))
    for chain in list(found):
        if len(chain) > 1 and chain[0] in made_by:
            found.setdefault((*made_by[chain[0]], *chain[1:]), None)
    return list(found), made_by


_BINARY = {
    ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__",
    ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__", ast.BitOr: "__or__", ast.BitAnd: "__and__",
}  # fmt: skip
_COMPARE = {ast.Eq: "__eq__", ast.NotEq: "__ne__", ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__",
            ast.GtE: "__ge__"}  # fmt: skip
_BUILTIN = {"len": "__len__", "repr": "__repr__", "str": "__str__", "iter": "__iter__", "hash": "__hash__",
            "bool": "__bool__"}  # fmt: skip


def operator_uses(node: ast.AST) -> list[tuple[str, str]]:
    """(local name, dunder) for operators on a plain name: `c[k]` -> ("c", "__getitem__"). Resolved only when
    the name was made by a known class (`c = Cache()`), so `x + 1` on a number costs a lookup and no edge."""
    uses: list[tuple[str, str]] = []
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        verb = {ast.Load: "__getitem__", ast.Store: "__setitem__", ast.Del: "__delitem__"}
        uses.append((node.value.id, verb.get(type(node.ctx), "__getitem__")))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        name = _BINARY[type(node.op)]
        if isinstance(node.left, ast.Name):
            uses.append((node.left.id, name))
        if isinstance(node.right, ast.Name):
            uses.append((node.right.id, "__r" + name[2:]))
    elif isinstance(node, ast.Compare):
        for op, right in zip(node.ops, node.comparators, strict=False):
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Name):
                uses.append((right.id, "__contains__"))
            elif type(op) in _COMPARE and isinstance(node.left, ast.Name):
                uses.append((node.left.id, _COMPARE[type(op)]))
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        if node.func.id in _BUILTIN and isinstance(node.args[0], ast.Name):
            uses.append((node.args[0].id, _BUILTIN[node.func.id]))
    elif isinstance(node, ast.For) and isinstance(node.iter, ast.Name):
        uses.append((node.iter.id, "__iter__"))
    return uses


def _returned_calls(function: ast.AST) -> list[tuple[str, ...]]:
    """Calls whose value the function returns unchanged, so a None they return is the function's too."""
    found: list[tuple[str, ...]] = []
    stack: list[ast.AST] = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # a nested function's returns are its own
        if isinstance(node, ast.Return) and node.value is not None:
            values = [node.value]
            while values:
                value = values.pop()
                if isinstance(value, ast.IfExp):
                    values += [value.body, value.orelse]
                elif isinstance(value, ast.BoolOp):
                    values += value.values
                elif isinstance(value, ast.Call) and (chain := name_chain(value.func)) and chain not in found:
                    found.append(chain)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def name_chain(node: ast.AST) -> tuple[str, ...] | None:
    """`a.b.c` -> ("a", "b", "c"); `Box(1).get` -> ("Box", "get"), read as the method of what the call
    made (right for constructors, harmlessly unresolved otherwise); None for anything else (`x[0].y`)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
        if isinstance(node, ast.Call) and parts:
            node = node.func
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


def _walk(tree: ast.AST) -> Iterable[ast.AST]:
    """ast.walk without recursion limits (it is iterative already, but keep one place to bound it)."""
    return ast.walk(tree)


class CallGraph:
    """Edges from each function to the repository functions it calls or names, resolved on demand.

    `resolve_module(dotted)` maps a dotted name to (path, rest) as RepoIndex.resolve_module does; `read(path)`
    returns a file's text. Both come from the index, so the graph shares its view of the checkout.
    """

    def __init__(
        self,
        resolve_module: Callable[[str], tuple[str, str] | None],
        read: Callable[[str], str],
    ) -> None:
        self._resolve_module = resolve_module
        self._read = read
        self._modules: dict[str, _Module] = {}
        self._edges: dict[Node, tuple[Node, ...]] = {}

    def module(self, path: str) -> _Module:
        if path not in self._modules:
            text = self._read(path) if path.endswith(".py") else ""
            self._modules[path] = analyse(path, text)
        return self._modules[path]

    def callees(self, node: Node) -> tuple[Node, ...]:
        """Repository functions `node` calls or names directly, in first-use order."""
        if node not in self._edges:
            path, symbol = node
            module = self.module(path)
            found: dict[Node, None] = {}
            cls = symbol.rpartition(".")[0] if symbol in module.receivers else None
            for chain in module.refs.get(symbol, []):
                for target in self._resolve_chain(module, chain, cls, module.receivers.get(symbol)):
                    if target != node:
                        found.setdefault(target, None)
            self._edges[node] = tuple(found)
        return self._edges[node]

    def reachable(self, start: Node, depth: int = 3) -> dict[Node, int]:
        """Functions reachable from `start` within `depth` calls, each with its shortest distance (>= 1)."""
        distances: dict[Node, int] = {}
        queue: deque[tuple[Node, int]] = deque([(start, 0)])
        seen = {start}
        while queue:
            node, distance = queue.popleft()
            if distance >= depth:
                continue
            for callee in self.callees(node):
                if callee in seen:
                    continue
                seen.add(callee)
                distances[callee] = distance + 1
                queue.append((callee, distance + 1))
        return distances

    def resolve_in(self, path: str, chain: tuple[str, ...], within: str | None = None) -> list[Node]:
        """What a name chain (`tail`, `core.tail`, `self.get`) means in the file at `path`, at its top level
        or inside the function `within` (whose `self` is then its class)."""
        if not chain:
            return []
        module = self.module(path)
        receiver = module.receivers.get(within) if within else None
        cls = within.rpartition(".")[0] if within and receiver else None
        return self._resolve_chain(module, chain, cls, receiver)

    def passes_on(self, node: Node) -> list[Node]:
        """Functions whose result `node` returns unchanged (`return g(x)`), resolved like its calls."""
        path, symbol = node
        module = self.module(path)
        found: list[Node] = []
        for chain in module.passes_on.get(symbol, []):
            for target in self.resolve_in(path, chain, symbol):
                if target != node and target not in found:
                    found.append(target)
        return found

    def method(self, path: str, cls: str, name: str) -> Node | None:
        """`cls.name` where it is defined: in the class or in a base that resolves in the repository."""
        return self._method(path, cls, name, hops=0)

    def attribute(self, path: str, cls: str, name: str, rest: tuple[str, ...] = ()) -> list[Node]:
        """What `self.<name>.<rest>` means in class `cls` when `name` is bound in a class body, its own or a
        base's (`Cache = LFUCache`): a test mixin's `self.Cache(...)` is the class the concrete test names."""
        for module, klass in self._class_and_bases(path, cls, hops=0):
            chain = module.class_attrs.get(klass, {}).get(name)
            if chain:
                return self._resolve_chain(module, (*chain, *rest), None, None)
        return []

    def functions_in(self, path: str) -> list[str]:
        return sorted(self.module(path).functions)

    # Resolution ---------------------------------------------------------------------------------------

    def _resolve_chain(
        self, module: _Module, chain: tuple[str, ...], cls: str | None, receiver: str | None
    ) -> list[Node]:
        head, rest = chain[0], chain[1:]
        if receiver is not None and head == receiver and cls is not None:
            if not rest:
                return []
            method = self._method(module.path, cls, rest[0], hops=0)
            return [method] if method else []
        if module.defines(head):
            return self._symbol_targets(module.path, chain)
        if head in module.imports:
            return self._dotted_targets(module.imports[head], rest)
        for star in module.star_imports:
            targets = self._dotted_targets(f"{star}.{head}", rest)
            if targets:
                return targets
        return []

    def _dotted_targets(self, dotted: str, rest: tuple[str, ...], hops: int = 0) -> list[Node]:
        """Targets of `dotted` (an import's target) followed by attribute names `rest`."""
        full = ".".join([dotted, *rest])
        resolved = self._resolve_module(full)
        if resolved is None:
            return []
        path, symbol_rest = resolved
        if not symbol_rest:
            return []  # a module itself, not a function
        return self._symbol_targets(path, tuple(symbol_rest.split(".")), hops)

    def _symbol_targets(self, path: str, parts: tuple[str, ...], hops: int = 0) -> list[Node]:
        """`parts` names something in the file at `path`: a function, a class (its constructor), a method,
        or a name the file itself imports (a re-export)."""
        module = self.module(path)
        for cut in range(len(parts), 0, -1):
            symbol = ".".join(parts[:cut])
            if symbol in module.functions:
                return [(path, symbol)]
            if symbol in module.classes:
                if cut < len(parts):
                    method = self._method(path, symbol, parts[cut], hops)
                    return [method] if method else []
                return self._constructor(path, symbol)
        if hops >= MAX_REEXPORT_HOPS:
            return []
        head = parts[0]
        if head in module.imports:
            return self._dotted_targets(module.imports[head], parts[1:], hops + 1)
        for star in module.star_imports:
            targets = self._dotted_targets(f"{star}.{head}", parts[1:], hops + 1)
            if targets:
                return targets
        return []

    def _constructor(self, path: str, cls: str) -> list[Node]:
        """Calling a class runs its __init__ (or an inherited one); the class itself when it has none."""
        for name in ("__init__", "__post_init__", "__new__"):
            method = self._method(path, cls, name, hops=0)
            if method:
                return [method]
        return [(path, cls)]

    def _method(self, path: str, cls: str, name: str, hops: int) -> Node | None:
        """`cls.name` looked up through the class's bases that resolve in the repository (bounded)."""
        for module, klass in self._class_and_bases(path, cls, hops):
            if f"{klass}.{name}" in module.functions:
                return (module.path, f"{klass}.{name}")
        return None

    def _class_and_bases(self, path: str, cls: str, hops: int) -> Iterator[tuple[_Module, str]]:
        """The class, then its bases that resolve in the repository, nearest first, each once, at most
        MAX_REEXPORT_HOPS away."""
        pending, visited = [(path, cls, hops)], set()
        while pending:
            where, klass, depth = pending.pop(0)
            if (where, klass) in visited or depth > MAX_REEXPORT_HOPS:
                continue
            visited.add((where, klass))
            module = self.module(where)
            yield module, klass
            for base in module.classes.get(klass, []):
                pending.extend((p, k, depth + 1) for p, k in self._class_of(module, base, depth))

    def _class_of(self, module: _Module, chain: tuple[str, ...], hops: int) -> list[Node]:
        """Where the class a base-class expression names is defined."""
        symbol = ".".join(chain)
        if symbol in module.classes:
            return [(module.path, symbol)]
        head, rest = chain[0], chain[1:]
        dotted = module.imports.get(head)
        candidates = [dotted] if dotted else [f"{star}.{head}" for star in module.star_imports]
        for candidate in candidates:
            resolved = self._resolve_module(".".join([candidate, *rest]))
            if resolved is None or not resolved[1]:
                continue
            target_module = self.module(resolved[0])
            if resolved[1] in target_module.classes:
                return [(resolved[0], resolved[1])]
            if hops < MAX_REEXPORT_HOPS:  # re-exported class: follow the file's own import of it
                inner = tuple(resolved[1].split("."))
                found = self._class_of(target_module, inner, hops + 1)
                if found:
                    return found
        return []
