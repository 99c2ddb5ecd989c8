"""A job's trajectory: what went in and came out at each step, as plain data for one JSON record.

The pipeline and the loop append to a `Trajectory` at fixed points (the job's start, the first prompt with
its evidence, ranking and context, each round's prompt, answers and verdicts, the end); entries add the
request and the links. Nothing here does I/O: workers/trajectory_store.py scrubs and writes the record.

Its size is bounded: each kind of text has a cap, and once the record holds TOTAL_CHARS of text every
further text is replaced by a marker, so a 20-round job with 16 candidates cannot write hundreds of MB.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import TYPE_CHECKING, Any

from inference.protocol import Generation
from workers.loop.candidates import RoundVerdict
from workers.retrieval.context import CodeContext
from workers.retrieval.rank import Ranked
from workers.runners.process import RunResult

if TYPE_CHECKING:  # the loop imports this module: a runtime import back would be a cycle
    from workers.loop.repair_loop import RepairResult, RepairTask

VERSION = 1
PROMPT_CHARS = 200_000  # Code Llama's 16k-token window is about 64k characters: a whole prompt fits
ANSWER_CHARS = 40_000
DIFF_CHARS = 40_000
OUTPUT_CHARS = 4_000  # a test run's output: its tail, where the summary and the last failure are
FEEDBACK_CHARS = 8_000
TOTAL_CHARS = 8_000_000
# How much of the localization ranking is kept: the context never reaches further down.
RANKING_KEPT = 30
# Token counts kept for a replay (workers/replay/): context building asks about a few hundred pieces; past
# this many a replay estimates the rest.
COUNTS_KEPT = 20_000
OMITTED = "[omitted: the trajectory reached its size cap]"


class Trajectory:
    """One job's record, appended to as the job runs; `to_json` gives the dict to write."""

    def __init__(self, kind: str, job: str) -> None:
        self.kind, self.job = kind, job
        self.started_at = time.time()
        self._started = time.monotonic()
        self._chars = 0
        self.request: dict[str, Any] = {}
        self.repository = ""
        self.commit = ""
        self.config: dict[str, Any] = {}
        # What a replay needs to run the loop again: the task as the loop got it, the server's limits and
        # its token counts (the prompt's budget and context depend on them).
        self.task: dict[str, Any] = {}
        self.model: dict[str, Any] = {}
        self.token_counts: dict[str, int] = {}
        self.evidence = ""
        self.ranking: list[dict[str, Any]] = []
        self.context: dict[str, Any] = {}
        self.base_runs: list[dict[str, Any] | None] = []
        self.rounds: list[dict[str, Any]] = []
        self.outcome: dict[str, Any] = {}
        self.links: list[str] = []

    def text(self, value: str, cap: int, *, tail: bool = False) -> str:
        """`value` cut to `cap` (its end when `tail`), or the marker once the record is full."""
        if self._chars >= TOTAL_CHARS:
            return OMITTED
        if len(value) > cap:
            cut = len(value) - cap
            value = f"[{cut} chars cut]…" + value[-cap:] if tail else value[:cap] + f"…[{cut} chars cut]"
        self._chars += len(value)
        return value

    def started(self, repository: str, commit: str, config: dict[str, Any]) -> None:
        self.repository, self.commit, self.config = repository, commit, config

    def tasked(self, task: RepairTask, max_input_tokens: int | None, max_total_tokens: int | None) -> None:
        """The task as the loop gets it (CI's evidence gathered from logs is not kept: only whether there
        was some) and the model server's limits."""
        self.task = {
            "repository": task.repository,
            "task_text": self.text(task.task_text, PROMPT_CHARS),
            "query_text": self.text(task.query_text, PROMPT_CHARS),
            "test_command": task.test_command,
            "require_failure": task.require_failure,
            "ci_log_text": self.text(task.ci_log_text, PROMPT_CHARS, tail=True),
            "isolated_candidates": task.isolated_candidates,
            "had_prior_evidence": task.prior_evidence is not None,
        }
        self.model = {"max_input_tokens": max_input_tokens, "max_total_tokens": max_total_tokens}

    def counted(self, text: str, tokens: int) -> None:
        if len(self.token_counts) < COUNTS_KEPT:
            self.token_counts[count_key(text)] = tokens

    def reproduced(self, runs: list[RunResult]) -> None:
        self.base_runs = [self.run(r) for r in runs]

    def localized(self, evidence: str, ranked: list[Ranked], context: CodeContext) -> None:
        """The evidence as the prompt shows it, the ranking with its reasons, and what the context holds
        (its text is in the first prompt)."""
        self.evidence = self.text(evidence, PROMPT_CHARS)
        self.ranking = [
            {"path": r.path, "symbol": r.symbol, "score": round(r.score, 4), "reasons": r.reasons}
            for r in ranked[:RANKING_KEPT]
        ]
        self.context = {"tokens": context.tokens, "files": context.files, "symbols": context.symbols}

    def round_started(self, number: int, prompt: str) -> None:
        self.rounds.append(
            {"round": number, "at_s": self.elapsed(), "prompt": self.text(prompt, PROMPT_CHARS)}
        )

    def answered(self, answers: list[Generation], *, prompt_tokens: int, model_s: float) -> None:
        current = self.rounds[-1]
        current.update(prompt_tokens=prompt_tokens, model_s=round(model_s, 3))
        current["answers"] = [
            {
                "text": self.text(a.text, ANSWER_CHARS),
                "generated_tokens": a.generated_tokens,
                "prompt_tokens": a.prompt_tokens,
                "duration_s": round(a.duration_s, 3),
                "finish_reason": a.finish_reason,
                "seed": a.seed,
            }
            for a in answers
        ]

    def judged(self, verdict: RoundVerdict) -> None:
        """Each candidate's apply report (or refusal), diff, test verdict and the feedback it produced."""
        candidates = [
            {
                "applied": c.applied,
                "refusal": c.refusal,
                "note": c.note,
                "paths": list(c.paths),
                "diff": self.text(c.diff, DIFF_CHARS),
                "tested": c.tested,
                "passed": c.passed,
                "test_run": self.run(c.test_run),
                "feedback": self.text(c.feedback, FEEDBACK_CHARS),
            }
            for c in verdict.results
        ]
        self.rounds[-1].update(candidates=candidates, test_s=round(verdict.test_s, 3))

    def run(self, run: RunResult | None) -> dict[str, Any] | None:
        """A test run as recorded: its command, exit code, time and the tail of its output."""
        if run is None:
            return None
        return {
            "command": run.command,
            "exit_code": run.exit_code,
            "duration_s": round(run.duration_s, 3),
            "timed_out": run.timed_out,
            "output_excerpt": self.text(run.output, OUTPUT_CHARS, tail=True),
        }

    def ended(self, outcome: dict[str, Any]) -> None:
        self.outcome = self.outcome | outcome | {"wall_s": self.elapsed()}

    def elapsed(self) -> float:
        return round(time.monotonic() - self._started, 3)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "kind": self.kind,
            "job": self.job,
            "started_at": self.started_at,
            "request": self.request,
            "repository": self.repository,
            "commit": self.commit,
            "config": self.config,
            "task": self.task,
            "model": self.model,
            "token_counts": self.token_counts,
            "base_runs": self.base_runs,
            "evidence": self.evidence,
            "ranking": self.ranking,
            "context": self.context,
            "rounds": self.rounds,
            "outcome": self.outcome,
            "links": self.links,
        }


def count_key(text: str) -> str:
    """A text's key in `token_counts`: a digest, so the record does not hold every piece twice."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dataclasses and pydantic models as dicts, anything unknown as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return {k: plain(getattr(value, k)) for k in value.model_dump()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value)


def outcome_of(result: RepairResult, record: Trajectory) -> dict[str, Any]:
    """How the loop ended, in the record's terms: status, why, the fix if any, and what was spent."""
    return {
        "status": str(result.status),
        "reason": result.reason,
        "success": result.success,
        "changed_paths": list(result.changed_paths),
        "diff": record.text(result.diff, DIFF_CHARS),
        "explanation": record.text(result.explanation, FEEDBACK_CHARS),
        "flaky": result.flaky,
        "cause": result.cause,
        "spend": plain(result.spend),
    }
