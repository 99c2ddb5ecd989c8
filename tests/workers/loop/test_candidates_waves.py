"""A round's outcome depends on the answers and the number of slots, never on which test run ends first."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.settings import load_settings
from inference.protocol import Generation
from tests.bugs import search_replace
from tests.repair_repos import ADD_RIGHT_LONG, ADD_WRONG, CALC_REPO, PYTEST, make_repo, sandbox_runner
from workers.checkout.worktrees import Slot, SlotPool, runner_like
from workers.loop.candidates import JudgeContext, judge_round
from workers.loop.repair_config import repair_config
from workers.loop.selection import read_run

pytestmark = pytest.mark.slow

# A candidate whose calc.py says "slow" waits in its tests until its checkout holds `go` (or gives up after
# 30 s, so a broken test cannot hang): the test decides when the slow candidate finishes.
GATE = """\
import pathlib, sys, time
if "slow" in pathlib.Path("calc.py").read_text():
    gate = pathlib.Path("go")
    deadline = time.monotonic() + 30
    while not gate.exists():
        if time.monotonic() > deadline:
            sys.exit(3)
        time.sleep(0.05)
"""
# Right, and the smallest change that is right; its tests are the slow ones.
ADD_RIGHT_SLOW = search_replace("calc.py", "    return a - b", "    return a + b  # slow", "add subtracts.")


class GatedPool(SlotPool):
    """Opens the gate when the second slot comes back: the first is the scratch checkout's, the second
    the fast loser's, since the slow winner cannot end before the gate opens."""

    releases = 0

    def open_gate(self) -> None:
        for tree in self.base_dir.iterdir():
            (tree / "go").write_text("")

    def release(self, slot: Slot) -> None:
        self.releases += 1
        if self.releases == 2:
            self.open_gate()
        super().release(slot)


@pytest.mark.parametrize("slow_winner", [True, False], ids=["winner-ends-last", "winner-ends-first"])
def test_a_wave_with_a_winner_ends_the_round_however_its_runs_interleave(
    tmp_path: Path, slow_winner: bool
) -> None:
    job = tmp_path / "job"
    workspace = make_repo(job / "repo", {**CALC_REPO, "gate.py": GATE})
    runner = sandbox_runner(job)
    command = f"python gate.py && {PYTEST}"
    facts, _ = read_run(runner.run(command, workspace.root, timeout_s=60), workspace.root)
    config = repair_config(load_settings(), candidates=3, cpus=2, test_timeout_s=60)
    ctx = JudgeContext(config, command, facts, facts.failing, deadline=time.monotonic() + 120)
    answers = [ADD_RIGHT_LONG, ADD_WRONG, ADD_RIGHT_SLOW]
    generations = [Generation(text, 10, 10, 0.0, "eos_token") for text in answers]
    with GatedPool(workspace, job / "repo.candidates", runner_like(runner), 2) as pool:
        if not slow_winner:
            pool.prepare(2)
            pool.open_gate()
        verdict = judge_round(pool, ctx, generations)
    notes = [c.note for c in verdict.results]
    # Smallest first, two slots: the wrong answer and the slow right one make the first wave. The long
    # right one would end its tests before the slow one, had it started while the slow one ran.
    assert notes[0] == "not tested: another candidate already won", notes
    assert "1 of 1 failing test(s) still fail" in notes[1] and notes[2].endswith("the tests pass"), notes
    assert [c.tested for c in verdict.results] == [False, True, True]
    assert verdict.winner is verdict.results[2]
    assert "+    return a + b  # slow\n" in verdict.results[2].diff
    # Every candidate was undone in its slot; the job's checkout was never touched.
    assert not workspace.repo.git.status("--porcelain", "--untracked-files=no")
