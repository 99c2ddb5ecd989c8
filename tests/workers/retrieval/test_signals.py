"""Each signal on its own: frames and failing tests from real runner output, and what issue text names."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from tests.bugs import QUIXBUGS, QUIXBUGS_LOGS
from tests.conftest import CORPORA
from tests.workers.retrieval.conftest import copy_quixbugs
from workers.evidence import parse_log
from workers.retrieval.exercised import exercised_signals, failing_tests
from workers.retrieval.index import RepoIndex
from workers.retrieval.messages import message_fragments, message_signals
from workers.retrieval.signals import frame_signals, issue_signals
from workers.runners.process import LocalRunner


@pytest.fixture(scope="module")
def quix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One copy for the module: its tests only read it.
    return copy_quixbugs(tmp_path_factory.mktemp("quix"), with_conftest=False)


def test_frames_from_a_real_log_point_at_the_innermost_code(quix: Path) -> None:
    evidence = parse_log((QUIXBUGS_LOGS / "gcd.log").read_text(), repo_root=quix)
    signals = frame_signals(RepoIndex.build(quix), evidence)
    code = [s for s in signals if s.path == "python_programs/gcd.py"]
    assert code and max(s.weight for s in code) == 1.0
    assert {s.symbol for s in code} == {"gcd"}
    tests = [s for s in signals if s.path.startswith("python_testcases/")]
    # The test's own frame (an assertion) counts, but far less than the code it called.
    assert tests and max(s.weight for s in tests) < 0.5


def test_failing_tests_lead_to_the_functions_they_import(quix: Path) -> None:
    # bitcount's log holds only timeouts inside the test: no frame in bitcount.py at all.
    evidence = parse_log((QUIXBUGS_LOGS / "bitcount.log").read_text(), repo_root=quix)
    index = RepoIndex.build(quix)
    tests = failing_tests(index, evidence)
    assert tests and all(
        t.path == "python_testcases/test_bitcount.py" and t.function == "test_bitcount" for t in tests
    )
    signals = exercised_signals(index, tests)
    best = max(signals, key=lambda s: s.weight)
    assert (best.path, best.symbol, best.kind) == ("python_programs/bitcount.py", "bitcount", "name")


def test_unittest_ids_resolve_to_their_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    shutil.copy(QUIXBUGS / "python_programs" / "kth.py", tmp_path / "pkg" / "kth.py")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "test_select.py").write_text(
        textwrap.dedent(
            """\
            import unittest
            from pkg.kth import kth


            class SelectTest(unittest.TestCase):
                def test_kth_smallest(self):
                    self.assertEqual(kth([3, 1, 2], 1), 2)
            """
        )
    )
    result = LocalRunner().run("python -m unittest tests.test_select", tmp_path, timeout_s=60)
    evidence = parse_log(result.output, repo_root=tmp_path)
    index = RepoIndex.build(tmp_path)
    tests = failing_tests(index, evidence)
    assert [(t.path, t.cls, t.function) for t in tests] == [
        ("tests/test_select.py", "SelectTest", "test_kth_smallest")
    ]
    best = max(exercised_signals(index, tests), key=lambda s: s.weight)
    assert (best.path, best.symbol) == ("pkg/kth.py", "kth")
    assert "uses kth from pkg/kth.py" in best.reason


def test_issue_paths_modules_and_rare_names(quix: Path) -> None:
    index = RepoIndex.build(quix)
    text = (
        "After upgrading, python_programs.shunting_yard.shunting_yard drops operators, and "
        "`get_factors` is slow. See also quicksort.py. The node order is odd."
    )
    signals = issue_signals(index, text)
    found = {(s.path, s.symbol, s.kind) for s in signals}
    assert ("python_programs/shunting_yard.py", "shunting_yard", "issue-path") in found
    assert ("python_programs/get_factors.py", "get_factors", "issue-name") in found
    assert ("python_programs/quicksort.py", None, "issue-path") in found
    # "node" is prose here and defined in several places: no name signal for it.
    assert not any(s.symbol == "Node" for s in signals)
    # Test files are never named by a bare file name: test_quicksort.py is not a candidate.
    assert not any(s.path.startswith("python_testcases/") for s in signals)


def test_error_message_in_an_issue_finds_the_code_that_raises_it(tmp_path: Path) -> None:
    tasks = (CORPORA / "swebench-lite" / "lite_test.jsonl").read_text().splitlines()
    issue = next(json.loads(t) for t in tasks if '"django__django-15202"' in t)["problem_statement"]
    assert message_fragments(issue) == ["Invalid IPv6 URL"]
    # Django 4.1's raising line (django/utils/http.py, BSD-3-Clause) in a reduced _urlsplit; gcd.py stands by.
    (tmp_path / "http.py").write_text(
        "def _urlsplit(url, scheme='', allow_fragments=True):\n"
        "    netloc = url\n"
        "    if ('[' in netloc and ']' not in netloc) or (']' in netloc and '[' not in netloc):\n"
        '        raise ValueError("Invalid IPv6 URL")\n'
        "    return netloc\n"
    )
    shutil.copy(QUIXBUGS / "python_programs" / "gcd.py", tmp_path / "gcd.py")
    signals = message_signals(RepoIndex.build(tmp_path), issue)
    assert [(s.path, s.symbol, s.weight) for s in signals] == [("http.py", "_urlsplit", 1.0)]
    # Python's own messages name no place in the repository.
    assert (
        message_fragments("AttributeError: 'Poly3DCollection' object has no attribute '_facecolors2d'") == []
    )
