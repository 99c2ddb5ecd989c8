"""The static call graph on small repositories written for each case: imports, aliases, re-exports, methods,
recursion, and files no parser should be trusted with."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

from workers.retrieval.call_graph import CallGraph, analyse
from workers.retrieval.index import RepoIndex


def _repo(root: Path, files: dict[str, str]) -> RepoIndex:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return RepoIndex.build(root)


PACKAGE = {
    "pkg/__init__.py": "from .core import tail as last, Box\nfrom .more import *\n",
    "pkg/core.py": """
        from . import util
        from .util import helper as h
        import pkg.more

        def tail(n, seq):
            return h(seq)[-n:]

        def fact(n):
            return 1 if n == 0 else n * fact(n - 1)

        class Base:
            def __init__(self, v):
                self.v = v

            def shared(self):
                return util.clean(self.v)

        class Box(Base):
            def get(self):
                return self.shared() + pkg.more.extra()

            @classmethod
            def make(cls):
                return cls.build()

            @classmethod
            def build(cls):
                return Box(1)
        """,
    "pkg/util.py": "def helper(seq):\n    return list(seq)\n\ndef clean(v):\n    return v\n",
    "pkg/more.py": "__all__ = ['extra']\n\ndef extra():\n    return 0\n",
    "tests/test_core.py": """
        import pkg as p
        from pkg import last, extra
        from pkg.core import Box

        def test_tail():
            assert last(1, [1, 2]) == [2]

        def test_box():
            box = Box(3)
            assert box.get() == 3

        def test_module_attr():
            assert p.core.fact(3) == 6 and extra() == 0
        """,
}


def test_imports_aliases_and_reexports_resolve_to_definitions(tmp_path: Path) -> None:
    graph = _repo(tmp_path, PACKAGE).call_graph
    # `last` is `tail` re-exported under another name by the package's __init__.
    assert graph.callees(("tests/test_core.py", "test_tail")) == (("pkg/core.py", "tail"),)
    # `from .util import helper as h` inside the package.
    assert graph.callees(("pkg/core.py", "tail")) == (("pkg/util.py", "helper"),)
    # `import pkg as p` then `p.core.fact`, and `extra` re-exported through `from .more import *`.
    assert set(graph.callees(("tests/test_core.py", "test_module_attr"))) == {
        ("pkg/core.py", "fact"),
        ("pkg/more.py", "extra"),
    }


def test_methods_resolve_through_self_cls_bases_and_constructed_locals(tmp_path: Path) -> None:
    graph = _repo(tmp_path, PACKAGE).call_graph
    # Box(3) runs the inherited __init__; `box.get()` on the local it made reads as Box.get.
    assert set(graph.callees(("tests/test_core.py", "test_box"))) == {
        ("pkg/core.py", "Base.__init__"),
        ("pkg/core.py", "Box.get"),
    }
    # self.shared() is inherited from Base; pkg.more.extra through `import pkg.more`.
    assert set(graph.callees(("pkg/core.py", "Box.get"))) == {
        ("pkg/core.py", "Base.shared"),
        ("pkg/more.py", "extra"),
    }
    assert graph.callees(("pkg/core.py", "Box.make")) == (("pkg/core.py", "Box.build"),)
    assert graph.callees(("pkg/core.py", "Base.shared")) == (("pkg/util.py", "clean"),)


def test_reachable_gives_shortest_distances_and_survives_recursion(tmp_path: Path) -> None:
    graph = _repo(tmp_path, PACKAGE).call_graph
    assert graph.callees(("pkg/core.py", "fact")) == ()  # a call to itself is not an edge
    reach = graph.reachable(("tests/test_core.py", "test_box"), depth=3)
    assert reach == {
        ("pkg/core.py", "Base.__init__"): 1,
        ("pkg/core.py", "Box.get"): 1,
        ("pkg/core.py", "Base.shared"): 2,
        ("pkg/more.py", "extra"): 2,
        ("pkg/util.py", "clean"): 3,
    }
    assert ("pkg/util.py", "clean") not in graph.reachable(("tests/test_core.py", "test_box"), depth=2)


def test_mutual_recursion_and_import_cycles_terminate(tmp_path: Path) -> None:
    graph = _repo(
        tmp_path,
        {
            "a/__init__.py": "from b import *\n",
            "b/__init__.py": "from a import *\n",
            "m.py": "def ping(n):\n    return pong(n)\n\ndef pong(n):\n    return ping(n)\n",
            "t.py": "import a\n\ndef go():\n    return a.missing() + a.b.c.d()\n",
        },
    ).call_graph
    assert graph.reachable(("m.py", "ping"), depth=10) == {("m.py", "pong"): 1}
    assert graph.callees(("t.py", "go")) == ()


def test_hostile_files_give_empty_modules_not_errors(tmp_path: Path) -> None:
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    chained = "def f():\n    return " + " + ".join(["g()"] * 200) + "\n\ndef g():\n    return 1\n"
    too_long = "def f():\n    return " + " + ".join(["g()"] * 50_000) + "\n\ndef g():\n    return 1\n"
    files = {
        "broken.py": "def f(:\n    pass\n",
        "nul.py": "def f():\n    return 1\x00\n",
        "deep.py": deep,
        "chained.py": chained,
        "too_long.py": too_long,
        "huge.py": "def f():\n    return 1\n" + "# filler\n" * 200_000,
        "user.py": "import broken, huge\nfrom chained import f\n\ndef u():\n    broken.f(), huge.f(), f()\n",
    }
    started = time.monotonic()
    graph = _repo(tmp_path, files).call_graph
    assert graph.callees(("broken.py", "f")) == ()
    assert graph.callees(("nul.py", "f")) == ()
    assert graph.callees(("deep.py", "f")) == ()
    assert graph.callees(("chained.py", "f")) == (("chained.py", "g"),)
    assert graph.callees(("too_long.py", "f")) == ()
    # The over-large file is skipped, so only the chained module's f resolves.
    assert graph.callees(("user.py", "u")) == (("chained.py", "f"),)
    assert time.monotonic() - started < 20


def test_analyse_is_pure_on_text() -> None:
    module = analyse(
        "pkg/mod.py", "from ...up import x\nfrom . import y\nclass C(x.Base):\n    def m(s): s.n()\n"
    )
    assert module.package == "pkg"
    assert module.imports == {"y": "pkg.y"}  # `...up` goes above the checkout: dropped, not guessed
    assert module.classes == {"C": [("x", "Base")]}
    assert module.receivers == {"C.m": "s"}
    assert module.refs["C.m"] == [("s", "n")]


def test_graph_without_index_reads_through_callbacks() -> None:
    texts = {"m.py": "import n\n\ndef f():\n    return n.g()\n", "n.py": "def g():\n    return 1\n"}
    modules = {"m": "m.py", "n": "n.py"}

    def resolve(dotted: str) -> tuple[str, str] | None:
        head, _, rest = dotted.partition(".")
        return (modules[head], rest) if head in modules else None

    graph = CallGraph(resolve, texts.__getitem__)
    assert graph.callees(("m.py", "f")) == (("n.py", "g"),)


def test_inherited_test_methods_are_found_in_the_mixin_that_defines_them(tmp_path: Path) -> None:
    graph = _repo(
        tmp_path,
        {
            "lib.py": "def pop(x):\n    return x\n",
            "tests/__init__.py": "from lib import pop\nclass Shared:\n  def test_pop(self):\n    pop()\n",
            "tests/test_one.py": "from tests import Shared\n\nclass OneTest(Shared):\n    pass\n",
        },
    ).call_graph
    shared = ("tests/__init__.py", "Shared.test_pop")
    assert graph.method("tests/test_one.py", "OneTest", "test_pop") == shared
    assert graph.callees(("tests/__init__.py", "Shared.test_pop")) == (("lib.py", "pop"),)
    assert graph.method("tests/test_one.py", "OneTest", "test_missing") is None


def test_operators_on_an_object_a_test_built_call_its_class_dunders(tmp_path: Path) -> None:
    source = """
        class Bag:
            def __init__(self):
                self.items = []
            def __getitem__(self, i):
                return self.items[i]
            def __setitem__(self, i, v):
                self.items[i] = v
            def __len__(self):
                return len(self.items)
            def __eq__(self, other):
                return self.items == other
            def __contains__(self, v):
                return v in self.items
        """
    test = """
        from bag import Bag

        def test_bag():
            bag = Bag()
            bag[0] = 1
            assert bag[0] == 1 and len(bag) == 1 and bag == [1] and 1 in bag
            n = 3
            assert n + 1 == 4  # an operator on a number is no edge
        """
    graph = _repo(tmp_path, {"bag.py": source, "tests/test_bag.py": test}).call_graph
    assert set(graph.callees(("tests/test_bag.py", "test_bag"))) == {
        ("bag.py", f"Bag.{name}")
        for name in ("__init__", "__getitem__", "__setitem__", "__len__", "__eq__", "__contains__")
    }


MIXIN_TESTS = {
    "caches.py": """
        class Cache:
            def __init__(self, size):
                self.size = size
            def __len__(self):
                return 0
            def popitem(self):
                return None

        class LFUCache(Cache):
            def popitem(self):
                return (1, 1)

        def lru_cache(size):
            return Cache(size)
        """,
    "tests/__init__.py": """
        class CacheTestMixin:
            def test_popitem(self):
                cache = self.Cache(2)
                assert cache.popitem() == (1, 1)
                assert len(cache) == 0
        """,
    "tests/test_lfu.py": """
        from caches import LFUCache, lru_cache
        from tests import CacheTestMixin

        class LFUCacheTest(CacheTestMixin):
            Cache = LFUCache
            decorator = staticmethod(lru_cache)
            other = 3
        """,
}


def test_a_class_attribute_names_what_a_mixin_test_builds_through_self(tmp_path: Path) -> None:
    # cachetools' layout: every cache's tests are one mixin, run by classes that only say which cache.
    graph = _repo(tmp_path, MIXIN_TESTS).call_graph
    test = ("tests/test_lfu.py", "LFUCacheTest")
    assert graph.module("tests/test_lfu.py").class_attrs["LFUCacheTest"] == {
        "Cache": ("LFUCache",),
        "decorator": ("lru_cache",),
    }
    assert graph.attribute(*test, "Cache", ("popitem",)) == [("caches.py", "LFUCache.popitem")]
    assert graph.attribute(*test, "Cache", ("__len__",)) == [("caches.py", "Cache.__len__")]  # inherited
    assert graph.attribute(*test, "Cache") == [("caches.py", "Cache.__init__")]
    assert graph.attribute(*test, "decorator") == [("caches.py", "lru_cache")]
    assert graph.attribute(*test, "other") == [] and graph.attribute(*test, "missing") == []
    # The mixin's own method knows its locals' makers, which the failing line's `cache` needs.
    assert graph.module("tests/__init__.py").made_by["CacheTestMixin.test_popitem"] == {
        "cache": ("self", "Cache")
    }
