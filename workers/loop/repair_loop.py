"""The repair loop: test, localize, prompt, apply, test again, revise. An orchestrator of small parts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

from inference import prompts
from inference.protocol import Generation, GenerationParams, TextModel, candidate_params, prompt_budget
from workers.checkout.workspace import Workspace
from workers.checkout.worktrees import SlotPool, runner_like
from workers.evidence import Evidence, prompt_excerpt
from workers.loop import reproduce as repro
from workers.loop.budget import Spend, exhausted
from workers.loop.candidates import JudgeContext, judge_round
from workers.loop.conversation import Conversation
from workers.loop.explanation import explanation_of
from workers.loop.progress import SILENT, Localizing, Progress, Reproducing, Round
from workers.loop.refusals import give_up_reason
from workers.loop.repair_config import RepairConfig
from workers.loop.selection import choose_targets, read_run
from workers.retrieval import build_context, locate
from workers.retrieval.rank import top_files
from workers.runners.process import CommandRunner, RunResult
from workers.runners.reports import run_with_report

log = logging.getLogger("codellama.repair")

# Room kept for the previous answer and the feedback of a failed round, out of the code budget.
REFLECTION_RESERVE_TOKENS = 2500
EVIDENCE_CHARS = 6000


class RepairStatus(StrEnum):
    """How a repair ended."""

    FIXED = "fixed"
    GAVE_UP = "gave_up"  # no candidate won within the budgets
    NOT_REPRODUCED = "not_reproduced"  # CI failed, the tests pass here twice
    NOT_CODE = "not_code"  # the failure is the environment's


@dataclass(frozen=True)
class RepairTask:
    """What to repair, already gathered from GitHub or the command line."""

    repository: str
    task_text: str
    query_text: str
    test_command: str
    prior_evidence: Evidence | None = None
    # A CI repair needs a failure to reproduce; an issue may describe a bug no test shows yet.
    require_failure: bool = False
    # CI's own log, to tell a failure of the CI environment from one of the code.
    ci_log_text: str = ""
    # False when setup built things into the checkout (an editable install, extensions) that a fresh
    # worktree would lack: candidates are then tested one at a time in the checkout itself.
    isolated_candidates: bool = True


@dataclass
class Attempt:
    round: int
    candidate: int
    applied: bool
    tests_passed: bool
    note: str
    refusal: str = ""


@dataclass
class RepairResult:
    success: bool
    reason: str
    before: RunResult
    after: RunResult | None = None
    diff: str = ""
    changed_paths: list[str] = field(default_factory=list)
    explanation: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    status: RepairStatus = RepairStatus.GAVE_UP
    spend: Spend = field(default_factory=Spend)
    # Base-commit runs: one, or two when the first passed and the rerun decided.
    base_runs: list[RunResult] = field(default_factory=list)
    flaky: bool = False
    cause: str = ""  # for NOT_CODE: what in the environment failed
    reported: list[str] = field(default_factory=list)  # the failing tests CI's logs named

    @property
    def rounds(self) -> int:
        return self.spend.rounds

    @property
    def generated_tokens(self) -> int:
        return self.spend.generated_tokens


class RepairLoop:
    def __init__(
        self,
        model: TextModel,
        runner: CommandRunner,
        workspace: Workspace,
        config: RepairConfig,
        progress: Progress = SILENT,
    ) -> None:
        self.model = model
        self.runner = runner
        self.workspace = workspace
        self.config = config
        self.progress = progress

    def run_tests(self, task: RepairTask, spend: Spend | None = None) -> RunResult:
        run = run_with_report(
            self.runner,
            task.test_command,
            self.workspace.root,
            timeout_s=self.config.test_timeout_s,
            output_limit=self.config.output_limit,
        )
        if spend is not None:
            spend.test_s += run.duration_s
        return run

    def run(self, task: RepairTask) -> RepairResult:
        spend = Spend()
        root = self.workspace.root
        reported = task.prior_evidence.failing_test_ids if task.prior_evidence else []
        self.progress.phase(Reproducing(tuple(reported)))
        found = repro.reproduce(
            lambda: self.run_tests(task, spend),
            self.run_tests(task, spend),
            require_failure=task.require_failure,
            ci_log=task.ci_log_text,
            local_modules=repro.repo_modules(root),
        )
        result = RepairResult(False, "", found.base, spend=spend, base_runs=list(found.runs))
        result.flaky, result.cause = found.flaky, found.cause
        result.reported = reported
        if found.status == repro.ReproStatus.NOT_REPRODUCED:
            return _end(result, RepairStatus.NOT_REPRODUCED, "the tests pass on this commit here, twice")
        if found.status == repro.ReproStatus.NOT_CODE:
            return _end(result, RepairStatus.NOT_CODE, f"the failure is not the code's: {found.cause}")
        base, evidence = read_run(found.base, root)
        if task.prior_evidence is not None and not evidence.failures:
            evidence = task.prior_evidence
        budget = prompt_budget(
            self.model, context_tokens=self.config.context_tokens, max_new_tokens=self.config.max_new_tokens
        )
        conversation = Conversation(prompts.SYSTEM, self._first_request(task, evidence, found.base, budget))
        ctx = JudgeContext(
            self.config,
            task.test_command,
            base,
            choose_targets(base, result.reported),
            deadline=spend.started + self.config.wall_s,
        )
        with self._slots(task) as pool:
            while not (stop := exhausted(self.config, spend)):
                spend.rounds += 1
                self._round_progress(spend, result)
                prompt = conversation.prompt(budget, self.model.count_tokens)
                verdict = judge_round(pool, ctx, self._generate(prompt, spend))
                spend.test_s += verdict.test_s
                spend.candidates_tested += sum(c.tested for c in verdict.results)
                for index, cand in enumerate(verdict.results):
                    attempt = Attempt(spend.rounds, index, cand.applied, cand.passed, cand.note, cand.refusal)
                    result.attempts.append(attempt)
                self._round_progress(spend, result)
                winner = verdict.winner
                if winner is not None:
                    result.success, result.after, result.diff = True, winner.test_run, winner.diff
                    result.changed_paths = list(winner.paths)
                    result.explanation = explanation_of(winner.generation.text)
                    self.workspace.apply_diff(winner.diff)
                    return _end(result, RepairStatus.FIXED, winner.note.split("; ", 1)[-1])
                closest = min(verdict.results, key=lambda c: c.distance())
                conversation.add_round(closest.generation.text, closest.feedback)
                result.after = closest.test_run or result.after
        spend.stopped_by = stop
        why = give_up_reason(
            result.attempts, rounds=spend.rounds, candidates=self.config.candidates, stopped_by=stop
        )
        return _end(result, RepairStatus.GAVE_UP, why)

    def _round_progress(self, spend: Spend, result: RepairResult) -> None:
        passed = sum(a.tests_passed for a in result.attempts)
        progress = Round(spend.rounds, self.config.max_rounds, spend.candidates_tested, passed, spend.tokens)
        self.progress.phase(progress)

    def _slots(self, task: RepairTask) -> SlotPool:
        if not task.isolated_candidates:
            return SlotPool.in_place(self.workspace, self.runner)
        root = self.workspace.root
        size = min(self.config.candidates, self.config.cpus)
        return SlotPool(
            self.workspace, root.parent / f"{root.name}.candidates", runner_like(self.runner), size
        )

    def _generate(self, prompt: str, spend: Spend) -> list[Generation]:
        base = GenerationParams(max_new_tokens=self.config.max_new_tokens)
        params = candidate_params(
            self.config.candidates,
            base,
            temperature=self.config.temperature,
            top_p=self.config.top_p,
            seed0=spend.rounds * 1000,
        )
        started = time.monotonic()
        results = self.model.generate_many(prompt, params)
        spend.model_s += time.monotonic() - started
        answers = [r for r in results if isinstance(r, Generation)]
        if not answers:
            # Every request failed: the first error says why (ModelUnavailable ends the job).
            raise next(r for r in results if isinstance(r, Exception))
        prompt_tokens = None
        for answer in answers:
            if answer.prompt_tokens is None and prompt_tokens is None:
                prompt_tokens = self.model.count_tokens(prompt)
            spend.prompt_tokens += answer.prompt_tokens or prompt_tokens or 0
            spend.generated_tokens += answer.generated_tokens
        spend.candidates_generated += len(answers)
        return answers

    def _first_request(self, task: RepairTask, evidence: Evidence, before: RunResult, budget: int) -> str:
        evidence_text = prompt_excerpt(evidence, EVIDENCE_CHARS) if evidence.failures else ""
        if not evidence_text:
            evidence_text = prompts.NO_FAILING_EVIDENCE if before.ok else _tail(before.output, EVIDENCE_CHARS)
        skeleton = prompts.render(
            prompts.REPAIR,
            repository=task.repository,
            task=task.task_text,
            evidence=evidence_text,
            code="",
            edit_instructions=self.config.edit_format.instructions(),
        )
        overhead = self.model.count_tokens(prompts.SYSTEM + skeleton)
        code_budget = budget - overhead - REFLECTION_RESERVE_TOKENS
        # With failing tests in hand, one traced run ranks code the failing tests run and the passing ones
        # do not (spectrum-based localization); it is what finds bugs no frame points at.
        traced = bool(evidence.failures)
        failing = tuple(evidence.failing_test_ids)
        self.progress.phase(Localizing(failing))
        ranked = locate(
            self.workspace.root,
            evidence=evidence,
            issue_text=task.query_text,
            runner=self.runner if traced else None,
            test_cmd=task.test_command if traced else None,
        )
        log.info(
            "localized: %s",
            "; ".join(f"{r.path}:{r.symbol or ''} {','.join(r.reasons[:3])}" for r in ranked[:5]),
        )
        top = tuple((r.path, ", ".join(r.reasons[:3])) for r in top_files(ranked, 5))
        self.progress.phase(Localizing(failing, top))
        context = build_context(
            self.workspace.root,
            ranked,
            budget_tokens=max(code_budget, 0),
            count_tokens=self.model.count_tokens,
        )
        log.info("context: %d tokens over %s", context.tokens, ", ".join(context.files))
        return prompts.render(
            prompts.REPAIR,
            repository=task.repository,
            task=task.task_text,
            evidence=evidence_text,
            code=context.text,
            edit_instructions=self.config.edit_format.instructions(),
        )


def _end(result: RepairResult, status: RepairStatus, reason: str) -> RepairResult:
    result.status, result.reason = status, reason
    result.spend.finish()
    log.info("repair ended %s (%s); spent %s", status, reason, result.spend.line())
    return result


def _tail(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else "…\n" + text[-max_chars:]
