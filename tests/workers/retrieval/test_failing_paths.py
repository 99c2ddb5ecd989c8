"""Log-only links from failing tests to code: the static spectrum of call paths, the failing assertion and
pytest's `where` lines, and the module a test module is named for; on real pytest output of a small repo."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from workers.evidence import parse_log
from workers.evidence.failures import Evidence, Failure, Frame
from workers.retrieval import locate
from workers.retrieval.exercised import FailingTest, failing_tests
from workers.retrieval.failing_paths import (
    _called_chains,
    _operator_chains,
    _where_chains,
    assertion_signals,
    call_path_signals,
    named_module_signals,
    none_source_signals,
)
from workers.retrieval.index import RepoIndex
from workers.retrieval.signals import SignalKind

SOURCES = {
    "shop/__init__.py": "",
    "shop/money.py": """
        def normalise(value):
            return round(value, 2)

        def add(a, b):
            return normalise(a + b)

        def discount(price, rate):
            return None if rate < 0 else normalise(price * (1 - rate))
        """,
    "shop/cart.py": """
        from shop.money import add, normalise

        class Cart:
            def __init__(self, items=()):
                self.items = list(items)

            def total(self):
                result = 0
                for price in self.items:
                    result = add(result, price)
                return result

            def count(self):
                return len(self.items)
        """,
    "tests/__init__.py": "",
    "tests/test_money.py": """
        from shop.money import add, discount

        def test_add():
            assert add(1, 2) == 3

        def test_add_floats():
            assert add(0.1, 0.2) == 0.3

        def test_discount():
            assert discount(10, 0.5) == 5
        """,
    "tests/test_cart.py": """
        from shop.cart import Cart

        def test_total():
            assert Cart([1, 2]).total() == 3

        def test_count():
            cart = Cart([1, 2])
            assert cart.count() == 2

        def test_empty():
            assert Cart().total() == 0
        """,
}


def _repo(root: Path) -> Path:
    for rel, text in SOURCES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root


def _pytest_log(root: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"},
    )
    return result.stdout


def _top_symbol(ranked: list) -> tuple[str, str]:
    top = next(r for r in ranked if r.symbol)
    return top.path, top.symbol


def test_where_line_and_assertion_name_the_method_a_local_was_made_for(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    cart = root / "shop/cart.py"
    cart.write_text(cart.read_text().replace("return len(self.items)", "return len(self.items) + 1"))
    log = _pytest_log(root)
    assert "where 3 = count()" in log  # pytest's own explanation, which the links read
    evidence = parse_log(log, repo_root=root)
    assert [f.test_id for f in evidence.failures] == ["tests/test_cart.py::test_count"]
    ranked = locate(root, evidence=evidence)
    assert _top_symbol(ranked) == ("shop/cart.py", "Cart.count")
    top = next(r for r in ranked if r.symbol == "Cart.count")
    assert any(reason.startswith("assertion:") for reason in top.reasons)
    assert any(reason.startswith("call-path: 1 call(s)") for reason in top.reasons)


def test_early_return_none_outranks_the_constructor_every_failing_test_runs(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    cart = root / "shop/cart.py"
    cart.write_text(cart.read_text().replace("        result = 0\n", "        return None\n"))
    evidence = parse_log(_pytest_log(root), repo_root=root)
    assert sorted(f.test_id.rpartition(":")[2] for f in evidence.failures) == ["test_empty", "test_total"]
    # Both failing tests build a Cart, but so does the passing test_count: __init__ is not the fault.
    ranked = locate(root, evidence=evidence)
    assert _top_symbol(ranked) == ("shop/cart.py", "Cart.total")
    scores = {r.symbol: r.score for r in ranked if r.symbol}
    assert scores["Cart.__init__"] < scores["Cart.total"] * 0.6


def test_a_none_made_two_calls_away_is_traced_to_the_function_that_returned_it(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    money = root / "shop/money.py"
    money.write_text(money.read_text().replace("    return round(value, 2)", "    return None"))
    evidence = parse_log(_pytest_log(root), repo_root=root)
    # test_total crashes inside add (None + int); the others assert None == ... on add's or discount's
    # result. Both return normalise(...) unchanged, so every failure names normalise as the source.
    assert any("NoneType" in f.message for f in evidence.failures)
    index = RepoIndex.build(root)
    tests = failing_tests(index, evidence)
    sources = {s.symbol: s.weight for s in none_source_signals(index, evidence, tests)}
    assert sources["normalise"] == 1.0
    assert sources["normalise"] > sources["add"] > sources["discount"]
    assert "total" not in sources  # on the stack: it did not return the None, it received it


def test_where_none_names_the_function_that_returned_it_whichever_side_it_is_on(tmp_path: Path) -> None:
    # inflection's `assert 'product' == None`: the None is on the right, and only pytest's where line says
    # which call gave it. discount hands normalise's result on, so normalise is a source too, a little less.
    index = RepoIndex.build(_repo(tmp_path))
    detail = [
        ">       assert 5 == discount(10, 0.5)",
        "E       assert 5 == None",
        "E        +  where None = discount(10, 0.5)",
    ]
    test_id = "tests/test_money.py::test_discount"
    failure = Failure(test_id, "AssertionError", "assert 5 == None", detail=detail)
    evidence = Evidence("pytest", [failure])
    sources = {s.symbol: s for s in none_source_signals(index, evidence, failing_tests(index, evidence))}
    assert sources["discount"].weight == 1.0
    assert 0 < sources["normalise"].weight < 1.0
    assert "pytest shows discount gave None" in sources["discount"].reason
    # The same failure with a value instead of None is no evidence about a None.
    failure.detail[1:] = ["E       assert 5 == 4", "E        +  where 4 = discount(10, 0.5)"]
    failure.message = "assert 5 == 4"
    assert none_source_signals(index, evidence, failing_tests(index, evidence)) == []


def test_an_assertion_helper_beside_the_tests_is_where_it_failed_not_the_fault(tmp_path: Path) -> None:
    # tabulate's layout: test/common.py holds assert_equal, which is not named like a test but raises the
    # AssertionError every failing test reports.
    root = _repo(tmp_path)
    (root / "test").mkdir()
    (root / "test/common.py").write_text("def assert_equal(expected, got):\n    assert expected == got\n")
    (root / "test/test_sums.py").write_text(
        "from common import assert_equal\nfrom shop.money import add\n\n"
        "def test_sum():\n    assert_equal(3, add(1, 2))\n"
    )
    money = root / "shop/money.py"
    money.write_text(money.read_text().replace("return normalise(a + b)", "return normalise(a - b)"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": f"{root}:{root}/test", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/bin"},
    )
    evidence = parse_log(result.stdout, repo_root=root)
    assert [f.frames[-1].path for f in evidence.failures] == ["test/common.py"]
    assert _top_symbol(locate(root, evidence=evidence)) == ("shop/money.py", "add")


def test_static_spectrum_puts_the_shared_helper_below_the_function_only_failing_tests_call(
    tmp_path: Path,
) -> None:
    index = RepoIndex.build(_repo(tmp_path))
    tests = [FailingTest("tests/test_money.py::test_discount", "tests/test_money.py", "test_discount")]
    scores = {(s.path, s.symbol): s.weight for s in call_path_signals(index, tests)}
    # discount: called by the one failing test and no other; normalise: two steps on, and reached by the
    # passing tests of add as well.
    assert scores[("shop/money.py", "discount")] == 1.0
    assert scores[("shop/money.py", "normalise")] < 0.5 * scores[("shop/money.py", "discount")]
    assert ("shop/money.py", "add") not in scores


def test_test_module_names_its_source_module(tmp_path: Path) -> None:
    index = RepoIndex.build(_repo(tmp_path))
    tests = [FailingTest("tests/test_cart.py::test_total", "tests/test_cart.py", "test_total")]
    [signal] = named_module_signals(index, tests)
    assert (signal.path, signal.symbol, signal.kind) == ("shop/cart.py", None, SignalKind.TEST_MODULE)


def test_assertion_lines_from_hostile_logs_do_not_break_localization(tmp_path: Path) -> None:
    index = RepoIndex.build(_repo(tmp_path))
    detail = [
        ">       assert add(1, 2) == 3 and (((((",  # cut mid-expression
        "E        +  where 4 = <shop.money.Nope object at 0xdeadbeef>.nothing",
        "E        +  where x = " + "(" * 10_000,
        ">       " + "f(" * 10_000,
        "E        +  where 5 = <bound method Cart.total of <shop.cart.Cart object at 0x1>>()",
    ]
    failure = Failure("tests/test_money.py::test_add", "AssertionError", "assert 4 == 3", detail=detail)
    evidence = Evidence("pytest", [failure])
    signals = assertion_signals(index, evidence, failing_tests(index, evidence))
    assert {(s.path, s.symbol) for s in signals} == {("shop/cart.py", "Cart.total")}


def test_chains_from_pytest_lines() -> None:
    assert _called_chains("assert tail(2, x) == y") == [("tail",)]
    assert _called_chains("with pytest.raises(ValueError):") == [("pytest", "raises")]
    assert _where_chains("tail(2, [1, 2])") == [("tail",)]
    assert _where_chains("<function outer.<locals>.inner at 0x1>") == [("outer", "inner")]
    assert _where_chains("<pkg.core.Box object at 0x7f>.get") == [("pkg", "core", "Box", "get")]
    assert _where_chains("[1, 2]") == []
    assert _where_chains("Compose(<function f at 0x1>, <function g at 0x2>).__doc__") == [
        ("Compose", "__doc__")
    ]


def test_a_mixin_test_reaches_the_class_its_concrete_test_class_names(tmp_path: Path) -> None:
    from tests.workers.retrieval.test_call_graph import MIXIN_TESTS

    for rel, text in MIXIN_TESTS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text))
    index = RepoIndex.build(tmp_path)
    detail = [">       assert len(cache) == 0", "E       assert 1 == 0"]
    failure = Failure(
        "tests/test_lfu.py::LFUCacheTest::test_popitem", "AssertionError", "assert 1 == 0", detail=detail
    )
    evidence = Evidence("pytest", [failure])
    tests = failing_tests(index, evidence)
    on_path = {s.symbol for s in call_path_signals(index, tests)}
    assert {"LFUCache.popitem", "Cache.__len__", "Cache.__init__"} <= on_path
    assert "Cache.popitem" not in on_path  # LFUCache overrides it
    # `len(cache)` on the failing line: the dunder of the class `cache` was made from.
    assert {s.symbol for s in assertion_signals(index, evidence, tests)} == {"Cache.__len__"}


def test_operators_on_a_failing_line_are_read_as_dunder_calls_on_plain_names() -> None:
    assert set(_operator_chains("assert len(cache) == n + 1")) == {("cache", "__len__"), ("n", "__add__")}
    assert _operator_chains("with f(x):") == []


def test_a_none_read_through_a_property_names_the_property(tmp_path: Path) -> None:
    # parse's Parser.search: `m = self._search_re.search(...)` fails with 'NoneType' object has no attribute
    # 'search'; no call of _search_re is written out, and the call that is (search) is on the stack.
    (tmp_path / "finder.py").write_text(
        textwrap.dedent(
            """\
            class Finder:
                @property
                def _compiled(self):
                    return None

                def search(self, text):
                    m = self._compiled.search(
                        text
                    )
                    return m
            """
        )
    )
    index = RepoIndex.build(tmp_path)
    frames = [Frame("finder.py", 7, "search")]
    message = "'NoneType' object has no attribute 'search'"
    failure = Failure("tests/test_finder.py::test_search", "AttributeError", message, frames)
    sources = {s.symbol: s for s in none_source_signals(index, Evidence("pytest", [failure]), [])}
    assert set(sources) == {"Finder._compiled"}
    assert "finder.py:7 calls self._compiled" in sources["Finder._compiled"].reason
