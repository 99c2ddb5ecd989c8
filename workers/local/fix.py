"""`codellama-bot fix PATH`: the same repair pipeline on a local checkout, with no GitHub and no Redis.

The work happens in a temporary git worktree, so the user's checkout and working tree are never touched;
the fix is left on a new branch.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from core.errors import JobFailed
from core.scrub import Scrubber, scrubber_for
from core.settings import Settings
from inference import prompts
from inference.protocol import TextModel
from workers.checkout.git_preflight import check_checkout
from workers.checkout.repo_config import load_repo_config
from workers.checkout.workspace import Workspace
from workers.loop.progress import SILENT, Progress
from workers.loop.repair_loop import RepairResult, RepairTask
from workers.loop.text_caps import INSTRUCTIONS_CHARS, check_cap
from workers.loop.trajectory import Trajectory
from workers.pipeline import Prepared, prepare_checkout, run_pipeline
from workers.trajectory_store import keep_trajectory, recording, write_trajectory

log = logging.getLogger("codellama.fix")


@dataclass(frozen=True)
class LocalFixResult:
    result: RepairResult
    branch: str | None


def run_local_fix(
    settings: Settings,
    path: Path,
    model: TextModel,
    *,
    test_command: str | None,
    issue_text: str,
    trajectory_path: Path | None = None,
    progress: Progress = SILENT,
) -> LocalFixResult:
    """Repair the checkout at `path`; its trajectory goes to `trajectory_path`, else under BOT_DATA_DIR."""
    check_cap(issue_text, INSTRUCTIONS_CHARS, "--issue")
    check_checkout(path)  # not a repository, git's "dubious ownership", no commit: one line each
    origin = Workspace.open(path)
    if origin.is_dirty():
        raise JobFailed(f"{path} has uncommitted changes; commit or stash them first, so nothing is lost")
    load_repo_config(origin.root)  # a bad config fails here, before the worktree and the model are touched
    model.check_ready()
    record = Trajectory("fix", f"{time.strftime('%Y%m%dT%H%M%S')}-{origin.head_sha[:7]}")
    record.request = {"path": str(path.resolve()), "test_command": test_command, "issue": issue_text}
    scrub = scrubber_for(settings)
    with recording(record, partial(_write, settings, trajectory_path, scrub)):
        fixed = run_pipeline(
            _LocalEntry(settings, path, origin, test_command, issue_text), model, progress, record
        )
        record.links = [f"branch {fixed.branch}"] if fixed.branch else []
    return fixed


def _write(settings: Settings, path: Path | None, scrub: Scrubber, record: Trajectory) -> None:
    if path is None:
        keep_trajectory(settings, record, scrub)
        return
    try:
        write_trajectory(record, path, scrub)
    except OSError as exc:  # checked writable at start; the disk may have filled since
        log.warning("the trajectory was not written to %s: %s", path, exc)


@dataclass(frozen=True)
class _LocalEntry:
    """Prepare: a detached worktree of HEAD in a scratch directory. Publish: the fix on a new branch."""

    settings: Settings
    path: Path
    origin: Workspace
    test_command: str | None
    issue_text: str

    @contextmanager
    def prepare(self) -> Iterator[tuple[Prepared, RepairTask]]:
        scratch = Path(tempfile.mkdtemp(prefix="codellama-fix-"))
        tree = scratch / "repo"
        self.origin.repo.git.worktree("add", "--detach", str(tree), "HEAD")
        try:
            prepared = prepare_checkout(
                self.settings, Workspace.open(tree), scratch, test_command=self.test_command
            )
            issue_text = self.issue_text
            task_text = prompts.render(
                prompts.TASK_LOCAL,
                instructions=prompts.render(prompts.INSTRUCTIONS, user="you", text=issue_text)
                if issue_text
                else "",
            )
            yield (
                prepared,
                prepared.task(
                    repository=self.path.resolve().name,
                    task_text=task_text,
                    query_text=issue_text,
                    # Without --issue the failing tests are the whole request: passing ones leave
                    # nothing to fix.
                    require_failure=not issue_text,
                ),
            )
        finally:
            self.origin.repo.git.worktree("remove", "--force", str(tree))
            shutil.rmtree(scratch, ignore_errors=True)

    def publish(self, prepared: Prepared, result: RepairResult) -> LocalFixResult:
        if not result.success:
            return LocalFixResult(result, None)
        origin = self.origin
        branch = _free_branch_name(
            origin, f"{self.settings.bot_branch_prefix}fix-local-{origin.head_sha[:7]}"
        )
        prepared.workspace.commit_paths(
            branch, result.changed_paths, f"Fix failing tests\n\n{result.explanation}".strip()
        )
        return LocalFixResult(result, branch)


def _free_branch_name(workspace: Workspace, wanted: str) -> str:
    existing = {head.name for head in workspace.repo.heads}
    name, n = wanted, 1
    while name in existing:
        n += 1
        name = f"{wanted}-{n}"
    return name
