"""Judging the model's candidate answers by the tests: apply each, test it, undo it, keep the verdicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from inference import prompts
from inference.llama_format import restore
from inference.model import Generation
from workers.edits import apply_answer
from workers.evidence import parse_log, prompt_excerpt
from workers.process import RunResult

if TYPE_CHECKING:
    from workers.repair_loop import RepairLoop, RepairTask

FEEDBACK_CHARS = 5000


@dataclass
class CandidateResult:
    generation: Generation
    applied: bool
    passed: bool
    feedback: str
    note: str
    diff: str = ""
    test_run: RunResult | None = None
    failing_tests: int = 0
    paths: tuple[str, ...] = ()

    def distance(self) -> tuple[int, int]:
        """How far from a fix: an answer that applied and failed few tests is the most informative."""
        return (0, self.failing_tests) if self.applied else (1, 0)


def _normalized(answer: str) -> str:
    return re.sub(r"\s+", " ", answer).strip()


def judge_candidates(
    loop: RepairLoop, task: RepairTask, generations: list[Generation]
) -> list[CandidateResult]:
    """Evaluate in order and stop at the first that passes; identical answers are tested once."""
    results: list[CandidateResult] = []
    seen: dict[str, CandidateResult] = {}
    for generation in generations:
        key = _normalized(generation.text)
        if key in seen:
            earlier = seen[key]
            results.append(replace(earlier, generation=generation, note="identical to an earlier candidate"))
            continue
        result = _judge_one(loop, task, generation)
        seen[key] = result
        results.append(result)
        if result.passed:
            break
    return results


def _judge_one(loop: RepairLoop, task: RepairTask, generation: Generation) -> CandidateResult:
    workspace = loop.workspace
    # The prompt defused Llama's control markers in code; the answer copies them back defused.
    report = apply_answer(workspace.root, restore(generation.text), task.edit_policy)
    if not report.ok:
        feedback = prompts.render(prompts.EDITS_NOT_APPLIED, feedback=report.feedback)
        return CandidateResult(generation, False, False, feedback, "edits could not be applied")
    paths = list(report.changed_paths)
    diff = workspace.diff(paths)
    try:
        run = loop.run_tests(task)
    finally:
        workspace.restore(paths)
    if run.ok:
        return CandidateResult(generation, True, True, "", "tests pass", diff, run, paths=tuple(paths))
    evidence = parse_log(run.output, repo_root=workspace.root)
    excerpt = prompt_excerpt(evidence, FEEDBACK_CHARS) if evidence.failures else run.output[-FEEDBACK_CHARS:]
    feedback = prompts.render(prompts.TESTS_FAILED, command=task.test_command, excerpt=excerpt)
    note = f"applied to {', '.join(report.changed_paths)}; {len(evidence.failures)} test(s) still fail"
    return CandidateResult(
        generation, True, False, feedback, note, diff, run, len(evidence.failures) or 1, tuple(paths)
    )
