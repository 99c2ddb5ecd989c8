"""Slots to test candidates in: each a git worktree of the job's checkout with its own sandbox runner, so
candidates run in parallel (the sandbox allows one command at a time per workspace)."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import git

from workers.checkout.workspace import Workspace
from workers.runners.process import CommandRunner
from workers.runners.sandbox import BubblewrapRunner

log = logging.getLogger("codellama.worktrees")

RunnerFor = Callable[[Path], CommandRunner]


@dataclass(frozen=True)
class Slot:
    """A checkout at the base commit where one candidate at a time is applied, tested and undone."""

    workspace: Workspace
    runner: CommandRunner


def runner_like(runner: CommandRunner) -> RunnerFor:
    """A factory of runners configured like `runner`, each confined to its own workspace."""
    if isinstance(runner, BubblewrapRunner):
        # `hidden` too: the worker's secret files (the App's private key) stay masked in every slot.
        return lambda tree: BubblewrapRunner(
            tree,
            runner.limits,
            runner.extra_ro_binds,
            hidden=runner.hidden,
            user=runner.user,
            bwrap=runner.bwrap,
        )
    # The unsandboxed runner holds no per-workspace state.
    return lambda tree: runner


class SlotPool:
    """Hands out free slots to the threads testing candidates; creates worktrees on first need."""

    def __init__(self, main: Workspace, base_dir: Path, runner_for: RunnerFor, size: int) -> None:
        self.main = main
        self.base_dir = base_dir
        self.runner_for = runner_for
        self.size = max(size, 1)
        self._trees: list[Path] = []
        self._free: list[Slot] = []
        self._cond = threading.Condition()
        self._fixed = False  # in place: the one slot is the main checkout, never a worktree

    @classmethod
    def in_place(cls, main: Workspace, runner: CommandRunner) -> SlotPool:
        """One slot, the job's own checkout: for repositories whose setup built things into it (an
        editable install, compiled extensions) that a fresh worktree would lack."""
        pool = cls(main, main.root, lambda _: runner, 1)
        pool._free.append(Slot(main, runner))
        pool._fixed = True
        return pool

    def prepare(self, wanted: int) -> None:
        """Make sure min(wanted, size) slots exist. Called from one thread, before the parallel part."""
        while not self._fixed and len(self._trees) < min(max(wanted, 1), self.size):
            tree = self.base_dir / f"c{len(self._trees)}"
            self.base_dir.mkdir(parents=True, exist_ok=True)
            # --detach: a worktree on a branch would lock that branch; the fix is committed in the main one.
            self.main.repo.git.worktree("add", "--detach", "--quiet", str(tree), "HEAD")
            self._trees.append(tree)
            with self._cond:
                self._free.append(Slot(Workspace(git.Repo(tree)), self.runner_for(tree)))
                self._cond.notify()

    def acquire(self) -> Slot:
        with self._cond:
            while not self._free:
                self._cond.wait()
            return self._free.pop(0)

    def release(self, slot: Slot) -> None:
        with self._cond:
            self._free.append(slot)
            self._cond.notify()

    def close(self) -> None:
        """Remove the worktrees and their administrative files; the main checkout stays as it is."""
        for tree in self._trees:
            try:
                self.main.repo.git.worktree("remove", "--force", str(tree))
            except git.GitCommandError as exc:
                log.warning("could not remove worktree %s: %s", tree, exc)
        if self._trees:
            self.main.repo.git.worktree("prune")
            shutil.rmtree(self.base_dir, ignore_errors=True)
        self._trees.clear()

    def __enter__(self) -> SlotPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
