"""The one pipeline: an entry's prepare runs first, the loop on what it prepared, then its publish, and
only then its clean-up; the common set-up reads the repository's config into the plan and the repair
configuration. Real git, sandbox and pytest; the model is the TGI stand-in (never asked here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import load_settings
from inference.tgi_client import TGIModel
from tests.repair_repos import CALC_TESTS, PYTEST, make_repo
from tests.stand_ins.tgi_server import TGIStandIn
from workers.loop.repair_loop import RepairResult, RepairStatus, RepairTask
from workers.pipeline import Prepared, prepare_checkout, run_pipeline

PASSING = {"calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"}
CONFIG = "setup: echo set up > built.txt\nprotected: [migrations/**]\ninstructions: Use integer maths.\n"


class _Recorder:
    def __init__(self, job_dir: Path, files: dict[str, str], test_command: str | None) -> None:
        self.job_dir, self.files, self.test_command = job_dir, files, test_command
        self.events: list[str] = []

    @contextmanager
    def prepare(self) -> Iterator[tuple[Prepared, RepairTask]]:
        workspace = make_repo(self.job_dir / "repo", self.files)
        prepared = prepare_checkout(load_settings(), workspace, self.job_dir, test_command=self.test_command)
        self.events.append("prepared")
        try:
            yield (
                prepared,
                prepared.task(
                    repository="acme/calc", task_text="Fix it.", query_text="", require_failure=True
                ),
            )
        finally:
            self.events.append("cleaned up")

    def publish(self, prepared: Prepared, result: RepairResult) -> tuple[Prepared, RepairResult]:
        self.events.append("published")
        return prepared, result


@pytest.mark.slow
@pytest.mark.parametrize("configured", [False, True])
def test_prepare_loop_publish_then_clean_up(tmp_path: Path, configured: bool) -> None:
    files = {**PASSING, "test_calc.py": CALC_TESTS}
    if configured:
        files[".github/codellama.yml"] = CONFIG
    entry = _Recorder(tmp_path / "job", files, PYTEST)
    with TGIStandIn([]) as tgi, TGIModel(tgi.url, timeout_s=30, retries=0, backoff_base_s=0.01) as model:
        prepared, result = run_pipeline(entry, model)
        assert tgi.requests == []
    assert entry.events == ["prepared", "published", "cleaned up"]
    assert result.status == RepairStatus.NOT_REPRODUCED and prepared.plan.test == PYTEST
    # Set-up that built into the checkout keeps candidates in it; the repository's protection reaches
    # the one repair configuration.
    assert (prepared.workspace.root / "built.txt").exists() == configured
    assert prepared.task(repository="", task_text="", query_text="").isolated_candidates == (not configured)
    assert prepared.config.edit_policy.protected_globs == (("migrations/**",) if configured else ())
    # The repository's standing instructions follow every entry's task.
    task_text = prepared.task(repository="", task_text="Fix it.", query_text="").task_text
    assert task_text.startswith("Fix it.") and task_text.endswith("Use integer maths.\n") == configured
