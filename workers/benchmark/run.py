"""Running the repair loop on one benchmark task, as a job would: a git repository in a job directory,
its runner the sandbox, the loop's budgets from the settings with the benchmark's k and rounds."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import git

from core.settings import Settings
from inference import prompts
from inference.protocol import TextModel
from workers.benchmark.corpus import BenchTask
from workers.checkout.workspace import Workspace
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairLoop, RepairTask
from workers.loop.selection import read_run
from workers.loop.targeted import targeted_command
from workers.runners.process import CommandRunner
from workers.runners.sandbox import make_runner


@dataclass(frozen=True)
class TaskOutcome:
    name: str
    status: str
    rounds: int
    candidates_generated: int
    candidates_tested: int
    tokens: int
    wall_s: float
    model_s: float
    test_s: float
    # Running the failing tests once plus the whole suite once, on the base commit: the yardstick for
    # the loop's own overhead.
    reference_s: float

    @property
    def overhead_s(self) -> float:
        return max(self.wall_s - self.model_s - self.test_s, 0.0)


def run_task(
    task: BenchTask, model: TextModel, settings: Settings, *, k: int, rounds: int, work: Path
) -> TaskOutcome:
    job_dir = work / task.name
    shutil.rmtree(job_dir, ignore_errors=True)
    job_dir.mkdir(parents=True)
    try:
        root = job_dir / "repo"
        workspace = _repository(root, task.files)
        runner = make_runner(settings, job_dir)
        reference = _reference_s(runner, root, task.test_command, settings.test_timeout_s)
        config = repair_config(settings, max_rounds=rounds, candidates=k)
        repair = RepairTask(
            repository=f"bench/{task.name}",
            task_text=prompts.render(prompts.TASK_LOCAL, instructions=""),
            query_text="",
            test_command=task.test_command,
            require_failure=True,
        )
        result = RepairLoop(model, runner, workspace, config).run(repair)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    spend = result.spend
    return TaskOutcome(
        name=task.name,
        status=result.status,
        rounds=spend.rounds,
        candidates_generated=spend.candidates_generated,
        candidates_tested=spend.candidates_tested,
        tokens=spend.tokens,
        wall_s=spend.wall_s,
        model_s=spend.model_s,
        test_s=spend.test_s,
        reference_s=reference,
    )


def _repository(root: Path, files: dict[str, str]) -> Workspace:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("--all")
    repo.index.commit("the buggy version")
    return Workspace(repo)


def _reference_s(runner: CommandRunner, root: Path, command: str, timeout_s: float) -> float:
    suite = runner.run(command, root, timeout_s=timeout_s)
    facts, _ = read_run(suite, root)
    narrowed = targeted_command(command, facts.failing)
    if narrowed is None:
        return 2 * suite.duration_s  # the failing tests cannot be run alone: the suite is what runs them
    return suite.duration_s + runner.run(narrowed, root, timeout_s=timeout_s).duration_s
