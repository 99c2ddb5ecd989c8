"""`codellama-bot fix PATH`: the same repair loop on a local checkout, with no GitHub and no Redis.

The work happens in a temporary git worktree, so the user's checkout and working tree are never touched;
the fix is left on a new branch.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.errors import JobFailed
from core.settings import Settings
from inference import prompts
from inference.protocol import TextModel
from workers.checkout.git_preflight import check_checkout
from workers.checkout.repo_config import load_repo_config
from workers.checkout.setup_commands import run_setup
from workers.checkout.test_plan import TestPlan, plan_for
from workers.checkout.workspace import Workspace
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairLoop, RepairResult, RepairTask
from workers.loop.text_caps import INSTRUCTIONS_CHARS, check_cap
from workers.runners.sandbox import make_runner


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
) -> LocalFixResult:
    check_cap(issue_text, INSTRUCTIONS_CHARS, "--issue")
    check_checkout(path)  # not a repository, git's "dubious ownership", no commit: one line each
    origin = Workspace.open(path)
    if origin.is_dirty():
        raise JobFailed(f"{path} has uncommitted changes; commit or stash them first, so nothing is lost")
    config = load_repo_config(origin.root)  # a clean checkout: the same file the worktree will have
    model.check_ready()
    scratch = Path(tempfile.mkdtemp(prefix="codellama-fix-"))
    tree = scratch / "repo"
    origin.repo.git.worktree("add", "--detach", str(tree), "HEAD")
    try:
        workspace = Workspace.open(tree)
        plan = (
            TestPlan(setup=config.setup, test=test_command)
            if test_command
            else plan_for(tree, config, scratch / "venv")
        )
        runner = make_runner(settings, scratch)
        run_setup(runner, plan, tree, settings)
        task_text = prompts.render(
            prompts.TASK_LOCAL,
            instructions=prompts.render(prompts.INSTRUCTIONS, user="you", text=issue_text)
            if issue_text
            else "",
        )
        task = RepairTask(
            repository=path.resolve().name,
            task_text=task_text,
            query_text=issue_text,
            test_command=plan.test,
            isolated_candidates=not plan.setup,
            # Without --issue the failing tests are the whole request: passing ones leave nothing to fix.
            require_failure=not issue_text,
        )
        result = RepairLoop(model, runner, workspace, repair_config(settings, config)).run(task)
        branch = None
        if result.success:
            branch = _free_branch_name(origin, f"{settings.bot_branch_prefix}fix-local-{origin.head_sha[:7]}")
            workspace.commit_paths(
                branch, result.changed_paths, f"Fix failing tests\n\n{result.explanation}".strip()
            )
        return LocalFixResult(result, branch)
    finally:
        origin.repo.git.worktree("remove", "--force", str(tree))
        shutil.rmtree(scratch, ignore_errors=True)


def _free_branch_name(workspace: Workspace, wanted: str) -> str:
    existing = {head.name for head in workspace.repo.heads}
    name, n = wanted, 1
    while name in existing:
        n += 1
        name = f"{wanted}-{n}"
    return name
