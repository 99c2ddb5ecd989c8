"""Judging one round's candidate answers by the tests: duplicates (up to whitespace) tested once, the
targeted failing tests first, then the suite; in waves of one candidate per slot, smallest change first.

Each answer is applied once, in memory, against one checkout listed once for the round: that yields its
change, so answers that make the same change are found, and its size, so the smallest goes first, before any
test slot is spent. It is written only into the slot where it is tested; its diff is read there, so what was
tested is exactly the diff that moves to the job's checkout.

The round's outcome depends only on the answers and the number of slots, never on which test run ends
first: a wave is the next slots-many candidates in order (smallest change, then answer order); after a wave
with a winner no other candidate is tested, and the winner is that wave's smallest diff.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from core.logs import carry_context
from inference import prompts
from inference.llama_format import restore
from inference.protocol import Generation
from workers.checkout.files import checkout_files
from workers.checkout.worktrees import Slot, SlotPool
from workers.edits import PlannedAnswer, plan_answer, write_plan
from workers.evidence import Evidence, prompt_excerpt
from workers.loop.refusals import refusal_of
from workers.loop.repair_config import RepairConfig
from workers.loop.selection import (
    SuiteFacts,
    Verdict,
    change_size,
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
    """Plan each answer, test each distinct change in waves of pool.size, and copy verdicts to the
    duplicates. Candidates after a wave that had a winner are not tested."""
    results: dict[int, CandidateResult] = {}
    plans: dict[int, PlannedAnswer] = {}
    duplicate_of: dict[int, int] = {}
    by_text: dict[str, int] = {}
    by_change: dict[tuple[tuple[str, str | None], ...], int] = {}
    pool.prepare(1)
    scratch = pool.acquire()  # only read: a checkout at the base commit, like those answers are written into
    try:
        root = scratch.workspace.root
        listing = checkout_files(root)
        for i, generation in enumerate(generations):
            text = normalized(generation.text)
            if text in by_text:
                duplicate_of[i] = by_text[text]
                continue
            by_text[text] = i
            results[i], plan = _planned(scratch, generation, ctx.config, listing)
            if plan is not None:
                first = by_change.setdefault(_change_key(plan), i)
                if first == i:
                    plans[i] = plan
                else:
                    duplicate_of[i] = first
    finally:
        pool.release(scratch)
    order = sorted(plans, key=lambda i: (change_size(plans[i].old, plans[i].new), i))
    started = time.monotonic()
    results.update(_test_in_waves(pool, ctx, [(i, results[i], plans[i]) for i in order]))
    final = [
        _copy(results[duplicate_of[i]], duplicate_of[i]) if i in duplicate_of else results[i]
        for i in range(len(generations))
    ]
    return RoundVerdict(final, time.monotonic() - started if order else 0.0)


def _test_in_waves(
    pool: SlotPool, ctx: JudgeContext, queue: list[tuple[int, CandidateResult, PlannedAnswer]]
) -> dict[int, CandidateResult]:
    """Test the queue in order, pool.size at a time in parallel; stop after a wave with a winner."""
    done: dict[int, CandidateResult] = {}
    pool.prepare(len(queue))
    threads = ThreadPoolExecutor(max_workers=max(min(len(queue), pool.size), 1))

    def test(item: tuple[int, CandidateResult, PlannedAnswer]) -> CandidateResult:
        return _test(pool, ctx, item[1], item[2])

    try:
        for start in range(0, len(queue), pool.size):
            wave, rest = queue[start : start + pool.size], queue[start + pool.size :]
            if time.monotonic() >= ctx.deadline:
                why = "not tested: the wall-time budget is spent"
                return done | {i: replace(c, note=why) for i, c, _ in wave + rest}
            tested = list(threads.map(carry_context(test), wave))
            done.update((i, result) for (i, _, _), result in zip(wave, tested, strict=True))
            if any(result.passed for result in tested):
                why = "not tested: another candidate already won"
                return done | {i: replace(c, note=why) for i, c, _ in rest}
        return done
    finally:
        # A hand-back (SIGTERM) or a soft time limit must not wait for test runs in flight; their sandboxes
        # die with the process. After a normal return none is left.
        threads.shutdown(wait=False, cancel_futures=True)


def _change_key(plan: PlannedAnswer) -> tuple[tuple[str, str | None], ...]:
    """What the answer changes, up to whitespace: answers with equal keys make the same diff."""
    return tuple(sorted((p, None if t is None else normalized(t)) for p, t in plan.new.items()))


def _copy(original: CandidateResult, index: int) -> CandidateResult:
    # Same verdict, but not counted as tested: the tests ran once, for the original.
    note = f"identical to candidate {index + 1} (up to whitespace): {original.note}"
    return replace(original, note=note, tested=False)


def _planned(
    scratch: Slot, generation: Generation, config: RepairConfig, listing: list[str]
) -> tuple[CandidateResult, PlannedAnswer | None]:
    """Apply the answer in memory against the scratch checkout; None when it cannot be applied."""
    # The prompt defused Llama's control markers in code; the answer copies them back defused.
    # The feedback for an unreadable answer repeats the instructions of the format the prompt asked for.
    plan = plan_answer(
        scratch.workspace.root,
        restore(generation.text),
        config.edit_policy,
        format_name=config.edit_format.name,
        listing=listing,
    )
    if not plan.report.ok:
        return _not_applied(generation, refusal_of(plan.report), plan.report.feedback), None
    if not plan.new:
        return _unchanged(generation), None
    return CandidateResult(generation, True, False, "", "applied", paths=tuple(plan.new)), plan


def _not_applied(generation: Generation, why: str, feedback: str) -> CandidateResult:
    feedback = prompts.render(prompts.EDITS_NOT_APPLIED, feedback=feedback)
    return CandidateResult(
        generation, False, False, feedback, f"edits could not be applied: {why}", refusal=why
    )


def _unchanged(generation: Generation) -> CandidateResult:
    feedback = prompts.render(prompts.EDITS_NOT_APPLIED, feedback="- the edits leave every file unchanged")
    why = "the edits change nothing"
    return CandidateResult(generation, False, False, feedback, why, refusal=why)


def _test(
    pool: SlotPool, ctx: JudgeContext, candidate: CandidateResult, plan: PlannedAnswer
) -> CandidateResult:
    """Write the planned answer into a free slot, read its diff there, test it, and undo it."""
    slot = pool.acquire()
    try:
        written = write_plan(slot.workspace.root, plan)
        if not written.ok:
            return _not_applied(candidate.generation, refusal_of(written), written.feedback)
        paths = list(candidate.paths)
        try:
            diff = slot.workspace.diff(paths)
            if not diff.strip():
                return _unchanged(candidate.generation)
            return _run_stages(slot, ctx, replace(candidate, diff=diff))
        finally:
            slot.workspace.restore(paths)
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
