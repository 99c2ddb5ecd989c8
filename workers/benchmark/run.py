"""Running one benchmark task through the repair pipeline, as a job would: a git repository in a job
directory, its runner the sandbox, the loop's budgets from the settings with the benchmark's k and rounds."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import git

from core.scrub import scrubber_for
from core.settings import Settings
from inference import prompts
from inference.protocol import TextModel
from workers.benchmark.corpus import BenchTask
from workers.checkout.workspace import Workspace
from workers.loop.progress import SILENT
from workers.loop.repair_loop import RepairResult, RepairStatus, RepairTask
from workers.loop.selection import read_run
from workers.loop.targeted import targeted_command
from workers.loop.trajectory import Trajectory
from workers.pipeline import Prepared, prepare_checkout, run_pipeline
from workers.runners.process import CommandRunner
from workers.trajectory_store import keep_trajectory, recording


@dataclass(frozen=True)
class TaskOutcome:
    name: str
    status: RepairStatus
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
    record = Trajectory("bench", f"{task.name}-{time.strftime('%Y%m%dT%H%M%S')}")
    record.request = {"task": task.name, "k": k, "rounds": rounds}
    with recording(record, partial(keep_trajectory, settings, scrub=scrubber_for(settings))):
        return run_pipeline(_BenchEntry(task, settings, k, rounds, work / task.name), model, SILENT, record)


@dataclass
class _BenchEntry:
    """Prepare: the task's files as a fresh repository, the reference timing. Publish: the figures."""

    task: BenchTask
    settings: Settings
    k: int
    rounds: int
    job_dir: Path
    reference_s: float = 0.0

    @contextmanager
    def prepare(self) -> Iterator[tuple[Prepared, RepairTask]]:
        task, job_dir = self.task, self.job_dir
        shutil.rmtree(job_dir, ignore_errors=True)
        job_dir.mkdir(parents=True)
        try:
            workspace = _repository(job_dir / "repo", task.files)
            prepared = prepare_checkout(
                self.settings,
                workspace,
                job_dir,
                test_command=task.test_command,
                max_rounds=self.rounds,
                candidates=self.k,
            )
            self.reference_s = _reference_s(
                prepared.runner, workspace.root, task.test_command, self.settings.test_timeout_s
            )
            yield (
                prepared,
                prepared.task(
                    repository=f"bench/{task.name}",
                    task_text=prompts.render(prompts.TASK_LOCAL, instructions=""),
                    query_text="",
                    require_failure=True,
                ),
            )
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)

    def publish(self, prepared: Prepared, result: RepairResult) -> TaskOutcome:
        spend = result.spend
        return TaskOutcome(
            name=self.task.name,
            status=result.status,
            rounds=spend.rounds,
            candidates_generated=spend.candidates_generated,
            candidates_tested=spend.candidates_tested,
            tokens=spend.tokens,
            wall_s=spend.wall_s,
            model_s=spend.model_s,
            test_s=spend.test_s,
            reference_s=self.reference_s,
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
