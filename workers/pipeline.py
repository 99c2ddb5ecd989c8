"""The one way through a repair: prepare (checkout, configuration, test plan, runner, set-up, evidence) ->
repair loop -> publish. The GitHub job, `codellama-bot fix` and `codellama-bot bench` all run it and differ
only in their prepare and publish steps (an `Entry` each); the common set-up is `prepare_checkout`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from core.settings import Settings
from inference import prompts
from inference.protocol import TextModel
from inference.tgi_client import TGIModel, shared_pool
from workers.checkout.ci_plan import CiFailure, choose_plan
from workers.checkout.repo_config import RepoConfig, load_repo_config
from workers.checkout.setup_commands import run_setup
from workers.checkout.test_plan import TestPlan
from workers.checkout.workspace import Workspace
from workers.loop.counted_model import CountedModel
from workers.loop.metering import PhaseTimer, record_spend
from workers.loop.progress import SILENT, Progress, Publishing, SettingUp
from workers.loop.repair_config import RepairConfig, repair_config
from workers.loop.repair_loop import RepairLoop, RepairResult, RepairTask
from workers.loop.trajectory import Trajectory, outcome_of, plain
from workers.runners.dependency_caches import RepoCaches
from workers.runners.process import CommandRunner
from workers.runners.sandbox import make_runner

T = TypeVar("T", covariant=True)


@dataclass(frozen=True)
class Prepared:
    """A checkout ready for the loop: set up, with its runner, test plan and repair configuration."""

    workspace: Workspace
    runner: CommandRunner
    plan: TestPlan
    config: RepairConfig
    repo: RepoConfig

    def task(self, *, task_text: str, **fields: Any) -> RepairTask:
        """The repair task for this checkout: `fields` say what to repair, the plan how to test it, and the
        repository's standing instructions follow the task in every prompt."""
        if self.repo.instructions:
            standing = prompts.render(prompts.STANDING_INSTRUCTIONS, text=self.repo.instructions)
            task_text = f"{task_text.rstrip()}\n\n{standing}"
        # Set-up may build things into the checkout (an editable install, extensions) that a fresh worktree
        # would lack: candidates are then tested one at a time in the checkout itself.
        return RepairTask(
            test_command=self.plan.test,
            isolated_candidates=not self.plan.setup,
            task_text=task_text,
            **fields,
        )


class Entry(Protocol[T]):
    """One way into the pipeline. `prepare` yields the checkout and the task and cleans up after the loop
    and `publish` (inside it); `publish` turns the loop's result into what this entry reports."""

    def prepare(self) -> AbstractContextManager[tuple[Prepared, RepairTask]]: ...

    def publish(self, prepared: Prepared, result: RepairResult) -> T: ...


def run_pipeline(
    entry: Entry[T], model: TextModel, progress: Progress = SILENT, trajectory: Trajectory | None = None
) -> T:
    """`progress` hears each phase as it starts (see workers/loop/progress.py); `trajectory`, when given,
    records what went in and came out (see workers/loop/trajectory.py); the caller writes it. Each phase's
    time and what the loop spent are counted (workers/loop/metering.py)."""
    timer = PhaseTimer(progress)
    try:
        timer.phase(SettingUp())
        with entry.prepare() as (prepared, task):
            if trajectory is not None:
                config = plain(prepared.config) | {"test_command": task.test_command}
                trajectory.started(task.repository, prepared.workspace.head_sha, config)
                trajectory.tasked(task, model.max_input_tokens(), model.max_total_tokens())
                model = CountedModel(model, trajectory)
            loop = RepairLoop(model, prepared.runner, prepared.workspace, prepared.config, timer, trajectory)
            result = loop.run(task)
            record_spend(result.spend)
            if trajectory is not None:
                trajectory.ended(outcome_of(result, trajectory))
            timer.phase(Publishing())
            return entry.publish(prepared, result)
    finally:
        timer.close()


def prepare_checkout(
    settings: Settings,
    workspace: Workspace,
    job_dir: Path,
    *,
    test_command: str | None = None,
    repo: RepoConfig | None = None,
    ci: CiFailure | None = None,
    caches: RepoCaches | None = None,
    **overrides: Any,
) -> Prepared:
    """Read the repository's config (unless the caller already has), plan its tests (`test_command` wins over
    the plan's), make the sandboxed runner in `job_dir`, run the set-up commands, and build the one repair
    configuration (`overrides` replace settings by field name). `ci` points at CI's own commands, which the
    repository's config overrides and which override convention (workers/checkout/ci_plan.py); `caches` are
    the repository's dependency caches, which its set-up and tests may use and fill."""
    repo = repo if repo is not None else load_repo_config(workspace.root)
    plan = (
        TestPlan(setup=repo.setup, test=test_command, origin="the command line")
        if test_command
        else choose_plan(workspace.root, repo, job_dir / "venv", ci)
    )
    runner = make_runner(settings, job_dir, caches=caches)
    run_setup(runner, plan, workspace.root, settings)
    return Prepared(workspace, runner, plan, repair_config(settings, repo, **overrides), repo)


def model_from(settings: Settings) -> TGIModel:
    return TGIModel(
        settings.tgi_url,
        pool=shared_pool(
            settings.tgi_urls(), settings.tgi_endpoint_backoff_s, settings.tgi_health_interval_s
        ),
        timeout_s=settings.tgi_timeout_s,
        retries=settings.tgi_retries,
        backoff_base_s=settings.tgi_backoff_base_s,
    )
