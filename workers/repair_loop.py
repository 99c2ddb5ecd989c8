"""The repair loop: test, localize, prompt, apply, test again, revise. An orchestrator of small parts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from inference import prompts
from inference.model import Generation, GenerationParams, TextModel, candidate_params, prompt_budget
from workers.candidates import CandidateResult, judge_candidates
from workers.conversation import Conversation
from workers.edits import EditPolicy, get_format
from workers.evidence import Evidence, parse_log, prompt_excerpt
from workers.explanation import explanation_of
from workers.process import CommandRunner, RunResult
from workers.retrieval import build_context, locate
from workers.workspace import Workspace

log = logging.getLogger("codellama.repair")

# Room kept for the previous answer and the feedback of a failed round, out of the code budget.
REFLECTION_RESERVE_TOKENS = 2500
EVIDENCE_CHARS = 6000


@dataclass(frozen=True)
class LoopBudget:
    max_rounds: int = 4
    candidates: int = 1
    context_tokens: int = 16384
    max_new_tokens: int = 2048
    temperature: float = 0.8
    top_p: float = 0.95
    test_timeout_s: float = 600.0
    output_limit: int = 2_000_000


@dataclass(frozen=True)
class RepairTask:
    """What to repair, already gathered from GitHub or the command line."""

    repository: str
    task_text: str
    query_text: str
    test_command: str
    prior_evidence: Evidence | None = None
    edit_policy: EditPolicy = field(default_factory=EditPolicy)
    # A CI repair needs a failure to reproduce; an issue may describe a bug no test shows yet.
    require_failure: bool = False


@dataclass
class Attempt:
    round: int
    candidate: int
    applied: bool
    tests_passed: bool
    note: str


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
    rounds: int = 0
    generated_tokens: int = 0


class RepairLoop:
    def __init__(
        self,
        model: TextModel,
        runner: CommandRunner,
        workspace: Workspace,
        budget: LoopBudget,
        edit_format: str = "search_replace",
    ) -> None:
        self.model = model
        self.runner = runner
        self.workspace = workspace
        self.budget = budget
        self.edit_format = get_format(edit_format)

    def run_tests(self, task: RepairTask) -> RunResult:
        return self.runner.run(
            task.test_command,
            self.workspace.root,
            timeout_s=self.budget.test_timeout_s,
            output_limit=self.budget.output_limit,
        )

    def run(self, task: RepairTask) -> RepairResult:
        root = self.workspace.root
        before = self.run_tests(task)
        if before.ok and task.require_failure:
            return RepairResult(
                False, "the tests pass on this commit here; the failure did not reproduce", before
            )
        evidence = parse_log(before.output, repo_root=root)
        if task.prior_evidence is not None and not evidence.failures:
            evidence = task.prior_evidence
        budget = prompt_budget(
            self.model, context_tokens=self.budget.context_tokens, max_new_tokens=self.budget.max_new_tokens
        )
        conversation = Conversation(prompts.SYSTEM, self._first_request(task, evidence, before, budget))
        result = RepairResult(False, "", before)
        for round_no in range(1, self.budget.max_rounds + 1):
            result.rounds = round_no
            prompt = conversation.prompt(budget, self.model.count_tokens)
            generations = self._generate(prompt, round_no)
            result.generated_tokens += sum(g.generated_tokens for g in generations)
            judged = judge_candidates(self, task, generations)
            for index, cand in enumerate(judged):
                result.attempts.append(Attempt(round_no, index, cand.applied, cand.passed, cand.note))
            winner = next((c for c in judged if c.passed), None)
            if winner is not None:
                result.success, result.reason = True, "the tests pass"
                result.after, result.diff = winner.test_run, winner.diff
                result.changed_paths = list(winner.paths)
                result.explanation = explanation_of(winner.generation.text)
                self.workspace.apply_diff(winner.diff)
                return result
            closest = min(judged, key=CandidateResult.distance)
            conversation.add_round(closest.generation.text, closest.feedback)
            result.after = closest.test_run or result.after
        result.reason = (
            f"no candidate made the tests pass within {self.budget.max_rounds} round(s) "
            f"of {self.budget.candidates} candidate(s)"
        )
        return result

    def _generate(self, prompt: str, round_no: int) -> list[Generation]:
        base = GenerationParams(max_new_tokens=self.budget.max_new_tokens)
        params = candidate_params(
            self.budget.candidates,
            base,
            temperature=self.budget.temperature,
            top_p=self.budget.top_p,
            seed0=round_no * 1000,
        )
        results = self.model.generate_many(prompt, params)
        answers = [r for r in results if isinstance(r, Generation)]
        if not answers:
            # Every request failed: the first error says why (ModelUnavailable ends the job).
            raise next(r for r in results if isinstance(r, Exception))
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
            edit_instructions=self.edit_format.instructions(),
        )
        overhead = self.model.count_tokens(prompts.SYSTEM + skeleton)
        code_budget = budget - overhead - REFLECTION_RESERVE_TOKENS
        ranked = locate(self.workspace.root, evidence=evidence, issue_text=task.query_text)
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
            edit_instructions=self.edit_format.instructions(),
        )


def _tail(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else "…\n" + text[-max_chars:]
