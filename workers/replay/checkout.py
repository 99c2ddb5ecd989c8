"""The recorded checkout state, rebuilt: the recorded commit of a clone, in a temporary detached worktree
(the clone's own branch, index and working tree are never touched), set up as the job set it up, with the
configuration the job ran under."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ValidationError

from core.errors import UsageError
from core.settings import Settings
from workers.checkout.git_preflight import check_checkout
from workers.checkout.workspace import Workspace
from workers.loop.repair_config import RepairConfig
from workers.loop.repair_loop import RepairResult, RepairTask
from workers.pipeline import Prepared, prepare_checkout
from workers.replay.record import Recording

GIT_TIMEOUT_S = 30  # a local object lookup; longer means a hung filesystem


def clone_for(recording: Recording, repo: Path | None) -> Path:
    """The clone to replay in: `repo`, else the checkout a local `fix` ran on; it must hold the commit."""
    if repo is None:
        recorded = recording.request.get("path") if recording.kind == "fix" else None
        if not isinstance(recorded, str) or not Path(recorded).is_dir():
            where = (
                f"the recorded checkout {recorded} is gone"
                if isinstance(recorded, str)
                else (f"the recording is of {recording.task.repository or 'a repository'}")
            )
            raise UsageError(f"{where}; pass --repo PATH, a clone holding commit {recording.commit}")
        repo = Path(recorded)
    top = check_checkout(repo)
    found = subprocess.run(
        ["git", "-C", str(top), "cat-file", "-e", f"{recording.commit}^{{commit}}"],
        capture_output=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )
    if found.returncode != 0:
        raise UsageError(
            f"commit {recording.commit} is not in {top}; fetch it (`git fetch origin {recording.commit}`) "
            "or pass --repo PATH, a clone that has it"
        )
    return top


def recorded_config(recording: Recording) -> RepairConfig:
    """The repair configuration the job ran under (budgets, candidates, edit format and policy)."""
    fields = {k: v for k, v in recording.config.items() if k != "test_command"}
    try:
        return RepairConfig.model_validate(fields)
    except (ValidationError, ValueError) as exc:
        problem = " ".join(str(exc).split())[:300]
        raise UsageError(f"the recorded configuration cannot be used: {problem}") from None


@dataclass(frozen=True)
class ReplayEntry:
    """Prepare: the recorded commit in a scratch worktree, the recorded configuration and task. Publish:
    nothing; the result is compared, not kept."""

    settings: Settings
    clone: Path
    recording: Recording

    @contextmanager
    def prepare(self) -> Iterator[tuple[Prepared, RepairTask]]:
        config = recorded_config(self.recording)  # before any worktree exists: a bad record leaves nothing
        origin = Workspace.open(self.clone)
        scratch = Path(tempfile.mkdtemp(prefix="codellama-replay-"))
        tree = scratch / "repo"
        origin.repo.git.worktree("add", "--detach", str(tree), self.recording.commit)
        try:
            prepared = prepare_checkout(
                self.settings, Workspace.open(tree), scratch, test_command=self._test_override()
            )
            task = self.recording.task
            yield (
                replace(prepared, config=config),
                RepairTask(
                    repository=task.repository,
                    task_text=task.task_text,
                    query_text=task.query_text,
                    # The plan's, not the record's: a planned command names this run's own venv.
                    test_command=prepared.plan.test,
                    require_failure=task.require_failure,
                    ci_log_text=task.ci_log_text,
                    isolated_candidates=not prepared.plan.setup,
                ),
            )
        finally:
            origin.repo.git.worktree("remove", "--force", str(tree))
            shutil.rmtree(scratch, ignore_errors=True)

    def publish(self, prepared: Prepared, result: RepairResult) -> RepairResult:
        return result

    def _test_override(self) -> str | None:
        """The test command the job was given (`fix --test`, a benchmark's); None: planned again from the
        commit's configuration, as the job planned it."""
        given = self.recording.request.get("test_command")
        if isinstance(given, str) and given:
            return given
        return self.recording.task.test_command if self.recording.kind == "bench" else None
