"""Judging one round's candidate answers by the tests: each as a diff, tested in its own worktree, in
parallel; duplicates (up to whitespace) tested once; the targeted failing tests first, then the suite."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from inference import prompts
from inference.llama_format import restore
from inference.protocol import Generation
from workers.checkout.worktrees import Slot, SlotPool
from workers.edits import apply_answer
from workers.evidence import Evidence, prompt_excerpt
from workers.loop.refusals import refusal_of
from workers.loop.repair_config import RepairConfig
from workers.loop.selection import (
    SuiteFacts,
    Verdict,
    diff_size,
    judge_suite,
    judge_targeted,
    normalized,
    read_run,
)
from workers.loop.targeted import INCONCLUSIVE_EXIT_CODES, targeted_command
from workers.runners.process import RunResult
from workers.runners.reports import run_with_report

FEEDBACK_CHARS = 5000


@dataclass(frozen=True)
class JudgeContext:
    """What every candidate of a job is judged against."""

    config: RepairConfig
    test_command: str
    base: SuiteFacts
    targets: frozenset[str]
    deadline: float  # time.monotonic() past which no candidate starts its tests


@dataclass
class CandidateResult:
    generation: Generation
    applied: bool
    passed: bool
    feedback: str
    note: str
    diff: str = ""
    test_run: RunResult | None = None
    paths: tuple[str, ...] = ()
    distance_to_fix: int = 0
    tested: bool = False
    refusal: str = ""  # why the answer could not be applied, in a phrase, for the give-up text

    def distance(self) -> tuple[int, int]:
        """How far from a fix: an answer that applied and left few tests failing is the most informative."""
        return (0, self.distance_to_fix) if self.applied and self.tested else (1, 0)


@dataclass
class RoundVerdict:
    results: list[CandidateResult]
    test_s: float

    @property
    def winner(self) -> CandidateResult | None:
        """Among candidates that won, the smallest diff (the earliest on a tie)."""
        won = [c for c in self.results if c.passed and c.tested]
        return min(won, key=lambda c: diff_size(c.diff)) if won else None


def judge_round(pool: SlotPool, ctx: JudgeContext, generations: list[Generation]) -> RoundVerdict:
    """Turn each answer into a diff, test each distinct diff in its own slot, and copy verdicts to the
    duplicates. Candidates still queued when one has won are not tested (stop at the first winner)."""
    results: dict[int, CandidateResult] = {}
    duplicate_of: dict[int, int] = {}
    by_text: dict[str, int] = {}
    by_diff: dict[str, int] = {}
    pool.prepare(1)
    scratch = pool.acquire()
    try:
        for i, generation in enumerate(generations):
            text = normalized(generation.text)
            if text in by_text:
                duplicate_of[i] = by_text[text]
                continue
            by_text[text] = i
            results[i] = _as_diff(scratch, generation, ctx.config)
            if results[i].applied:
                first = by_diff.setdefault(normalized(results[i].diff), i)
                if first != i:
                    duplicate_of[i] = first
    finally:
        pool.release(scratch)
    # Smallest diffs first: when slots are fewer than candidates, the first winner is likely the smallest.
    order = sorted(
        (i for i, r in results.items() if r.applied and i not in duplicate_of),
        key=lambda i: diff_size(results[i].diff),
    )
    started, won = time.monotonic(), threading.Event()
    pool.prepare(len(order))
    threads = ThreadPoolExecutor(max_workers=max(min(len(order), pool.size), 1))
    try:
        tested = list(threads.map(lambda i: _test(pool, ctx, results[i], won), order))
    finally:
        # A hand-back (SIGTERM) or a soft time limit must not wait for test runs in flight; their sandboxes
        # die with the process. After a normal return none is left.
        threads.shutdown(wait=False, cancel_futures=True)
    results.update(zip(order, tested, strict=True))
    final = [
        _copy(results[duplicate_of[i]], duplicate_of[i]) if i in duplicate_of else results[i]
        for i in range(len(generations))
    ]
    return RoundVerdict(final, time.monotonic() - started if order else 0.0)


def _copy(original: CandidateResult, index: int) -> CandidateResult:
    # Same verdict, but not counted as tested: the tests ran once, for the original.
    note = f"identical to candidate {index + 1} (up to whitespace): {original.note}"
    return replace(original, note=note, tested=False)


def _as_diff(slot: Slot, generation: Generation, config: RepairConfig) -> CandidateResult:
    """Apply the answer in a scratch checkout to learn its diff, then undo it."""
    workspace = slot.workspace
    # The prompt defused Llama's control markers in code; the answer copies them back defused.
    # The feedback for an unreadable answer repeats the instructions of the format the prompt asked for.
    report = apply_answer(
        workspace.root, restore(generation.text), config.edit_policy, format_name=config.edit_format.name
    )
    if not report.ok:
        feedback = prompts.render(prompts.EDITS_NOT_APPLIED, feedback=report.feedback)
        why = refusal_of(report)
        return CandidateResult(
            generation, False, False, feedback, f"edits could not be applied: {why}", refusal=why
        )
    paths = list(report.changed_paths)
    try:
        diff = workspace.diff(paths)
    finally:
        workspace.restore(paths)
    if not diff.strip():
        feedback = prompts.render(
            prompts.EDITS_NOT_APPLIED, feedback="- the edits leave every file unchanged"
        )
        return CandidateResult(
            generation, False, False, feedback, "the edits change nothing", refusal="the edits change nothing"
        )
    return CandidateResult(generation, True, False, "", "applied", diff, paths=tuple(paths))


def _test(
    pool: SlotPool, ctx: JudgeContext, candidate: CandidateResult, won: threading.Event
) -> CandidateResult:
    if time.monotonic() >= ctx.deadline:
        return replace(candidate, note="not tested: the wall-time budget is spent")
    slot = pool.acquire()
    try:
        if won.is_set():
            return replace(candidate, note="not tested: another candidate already won")
        slot.workspace.apply_diff(candidate.diff)
        try:
            result = _run_stages(slot, ctx, candidate)
            if result.passed:
                won.set()
            return result
        finally:
            slot.workspace.restore(list(candidate.paths))
    finally:
        pool.release(slot)


def _run_stages(slot: Slot, ctx: JudgeContext, candidate: CandidateResult) -> CandidateResult:
    root = slot.workspace.root
    narrowed = targeted_command(ctx.test_command, ctx.targets)
    if narrowed is not None:
        run = _run(slot, ctx, narrowed)
        facts, evidence = read_run(run, root)
        verdict = None if run.exit_code in INCONCLUSIVE_EXIT_CODES else judge_targeted(ctx.targets, facts)
        if verdict is not None:
            return _judged(candidate, verdict, run, evidence, narrowed, len(ctx.targets))
    run = _run(slot, ctx, ctx.test_command)
    facts, evidence = read_run(run, root)
    verdict = judge_suite(ctx.base, ctx.targets, facts)
    return _judged(candidate, verdict, run, evidence, ctx.test_command, len(ctx.targets))


def _run(slot: Slot, ctx: JudgeContext, command: str) -> RunResult:
    timeout = max(min(ctx.config.test_timeout_s, ctx.deadline - time.monotonic()), 1.0)
    root = slot.workspace.root
    return run_with_report(
        slot.runner, command, root, timeout_s=timeout, output_limit=ctx.config.output_limit
    )


def _judged(
    candidate: CandidateResult, verdict: Verdict, run: RunResult, evidence: Evidence, command: str, n: int
) -> CandidateResult:
    feedback = ""
    if not verdict.won:
        excerpt = (
            prompt_excerpt(evidence, FEEDBACK_CHARS) if evidence.failures else run.output[-FEEDBACK_CHARS:]
        )
        feedback = prompts.render(prompts.TESTS_FAILED, command=command, excerpt=excerpt)
    note = f"applied to {', '.join(candidate.paths)}; {verdict.note}"
    return replace(
        candidate,
        passed=verdict.won,
        feedback=feedback,
        note=note,
        test_run=run,
        distance_to_fix=verdict.distance(n),
        tested=True,
    )
