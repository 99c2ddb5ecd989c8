"""Candidates tested in parallel worktrees keep the sandbox's mask of the App's key: real sandbox, real git,
real pytest, the TGI stand-in for the model."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from inference.tgi_client import TGIModel
from tests.repair_repos import ADD_RIGHT, ADD_RIGHT_LONG, CALC_REPO, PYTEST, attempt_notes, make_repo, task
from tests.stand_ins.tgi_server import TGIStandIn
from workers.checkout.worktrees import runner_like
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairLoop, RepairStatus
from workers.runners.sandbox import BubblewrapRunner, make_runner

pytestmark = pytest.mark.slow

KEY_TEXT = "-----BEGIN RSA PRIVATE KEY-----\nTHE-APP-KEY-NO-TEST-MAY-READ\n-----END RSA PRIVATE KEY-----\n"

# The repository's own test: it reads the key where the operator keeps it (here a directory the sandbox
# is shown read-only, as it is shown /etc) and fails if it can. Masked, the file cannot be opened.
KEY_TEST = """\
import pathlib


def test_the_key_cannot_be_read():
    try:
        text = pathlib.Path({key!r}).read_text()
    except OSError as exc:
        text = str(exc)
    print("read:", repr(text))
    assert "PRIVATE KEY" not in text
"""


@pytest.fixture
def key() -> Iterator[Path]:
    """A world-readable key file (as a secret mounted 0444 is) in a directory the sandbox is shown, as
    it is shown /etc. Not under pytest's 0700 tmp_path: there the sandbox user could not read it anyway,
    and a lost mask would go unnoticed."""
    config = Path(tempfile.mkdtemp(prefix="codellama-etc-"))
    config.chmod(0o755)
    key = config / "app.pem"
    key.write_text(KEY_TEXT)
    key.chmod(0o644)
    try:
        yield key
    finally:
        shutil.rmtree(config, ignore_errors=True)


def _runner(key: Path, job: Path) -> BubblewrapRunner:
    factory = make_runner(Settings(github_private_key_path=key), job)
    assert isinstance(factory, BubblewrapRunner) and factory.hidden == (key.resolve(),)
    return BubblewrapRunner(job, factory.limits, extra_ro_binds=[key.parent], hidden=factory.hidden)


def test_a_slot_runner_keeps_the_mask(tmp_path: Path, key: Path) -> None:
    job = tmp_path / "job"
    tree = job / "repo.candidates" / "c0"
    tree.mkdir(parents=True)
    runner = _runner(key, job)
    slot = runner_like(runner)(tree)
    assert isinstance(slot, BubblewrapRunner) and slot.hidden == runner.hidden
    result = slot.run(f"cat {key}; echo exit=$?", tree, timeout_s=30)
    assert "Permission denied" in result.output and "THE-APP-KEY" not in result.output, result.output
    # The same runner without the mask reads the key: what the slots did before they kept `hidden`.
    bare = BubblewrapRunner(tree, runner.limits, runner.extra_ro_binds, user=runner.user)
    assert "THE-APP-KEY" in bare.run(f"cat {key}", tree, timeout_s=30).output


def test_parallel_candidates_cannot_read_the_key(tmp_path: Path, key: Path) -> None:
    job = tmp_path / "job"
    runner = _runner(key, job)
    workspace = make_repo(job / "repo", {**CALC_REPO, "test_key.py": KEY_TEST.format(key=str(key))})
    budget = repair_config(Settings(), max_rounds=1, candidates=2, cpus=2, test_timeout_s=60)
    answers = {None: ADD_RIGHT_LONG, 1001: ADD_RIGHT}
    with (
        TGIStandIn(lambda prompt, parameters: answers[parameters.get("seed")]) as tgi,
        TGIModel(tgi.url, timeout_s=30, retries=0, backoff_base_s=0.01) as model,
    ):
        result = RepairLoop(model, runner, workspace, budget).run(task(PYTEST))
        prompts = tgi.prompts()
    notes = attempt_notes(result)
    # Both candidates were tested, each in its own worktree; had either slot lost the mask, its
    # test_the_key_cannot_be_read would fail there (a regression against the base run) and lose.
    assert result.status == RepairStatus.FIXED, notes
    assert result.spend.candidates_tested == 2, notes
    assert all(n.endswith("the tests pass") for n in notes), notes
    assert "THE-APP-KEY" not in (result.after.output if result.after else "")
    assert not any("THE-APP-KEY" in p for p in prompts)
