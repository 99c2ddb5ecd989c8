"""Comparing two trajectories (a recording and its replay) into a list of differences, and the report that
shows them round by round. Pure: plain JSON-shaped dicts in, data and text out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXCERPT_CHARS = 100


@dataclass(frozen=True)
class Difference:
    """One thing the replay did otherwise: in which round (None: the job as a whole), what, and both sides."""

    round: int | None
    what: str
    recorded: str
    replayed: str

    def line(self) -> str:
        return f"{self.what}: recorded {self.recorded}; replayed {self.replayed}"


def compare(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[Difference]:
    """Everything the replay did otherwise, in the order it happened: set-up, each round, the outcome."""
    found = _job_start(recorded, replayed)
    old_rounds, new_rounds = _rounds(recorded), _rounds(replayed)
    for number in range(1, max(len(old_rounds), len(new_rounds)) + 1):
        found += _round(number, old_rounds.get(number), new_rounds.get(number))
    return found + _outcome(recorded.get("outcome") or {}, replayed.get("outcome") or {})


def outcome_matches(recorded: dict[str, Any], replayed: dict[str, Any]) -> bool:
    """The same ending: the same status and, for a fix, the same change."""
    return not _outcome(recorded.get("outcome") or {}, replayed.get("outcome") or {})


def report(recorded: dict[str, Any], replayed: dict[str, Any], differences: list[Difference]) -> list[str]:
    """For a person: job-level differences, a line per round (what happened or what differed), the outcome."""
    lines = [d.line() for d in differences if d.round is None and not d.what.startswith("outcome")]
    new_rounds = _rounds(replayed)
    numbers = sorted(set(_rounds(recorded)) | set(new_rounds))
    for number in numbers:
        here = [d for d in differences if d.round == number]
        lines.append(f"round {number}: {_round_line(here, new_rounds.get(number))}")
        lines += [f"  {d.line()}" for d in here]
    old, new = recorded.get("outcome") or {}, replayed.get("outcome") or {}
    if outcome_matches(recorded, replayed):
        lines.append(f"outcome: same ({_ending(new)})")
    else:
        lines.append(f"outcome differs: recorded {_ending(old)}; replayed {_ending(new)}")
        lines += [f"  {d.line()}" for d in differences if d.round is None and d.what.startswith("outcome")]
    return lines


def _job_start(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[Difference]:
    found = []
    old_cmd = (recorded.get("task") or {}).get("test_command")
    new_cmd = (replayed.get("task") or {}).get("test_command")
    if old_cmd != new_cmd:
        found.append(Difference(None, "test command", repr(old_cmd), repr(new_cmd)))
    old_runs = [_exit(r) for r in recorded.get("base_runs") or []]
    new_runs = [_exit(r) for r in replayed.get("base_runs") or []]
    if old_runs != new_runs:
        found.append(Difference(None, "tests at the commit", ", ".join(old_runs), ", ".join(new_runs)))
    return found


def _round(number: int, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Difference]:
    if old is None or new is None:
        return [Difference(number, "round", _held(old), _held(new))]
    found = []
    if old.get("prompt") != new.get("prompt"):
        found.append(Difference(number, "prompt", *_first_difference(old.get("prompt"), new.get("prompt"))))
    old_answers, new_answers = old.get("answers") or [], new.get("answers") or []
    for i in range(max(len(old_answers), len(new_answers))):
        a, b = _text_at(old_answers, i), _text_at(new_answers, i)
        if a != b:
            found.append(Difference(number, f"answer {i + 1}", *_first_difference(a, b)))
    old_cands, new_cands = old.get("candidates") or [], new.get("candidates") or []
    for i in range(max(len(old_cands), len(new_cands))):
        a_cand = old_cands[i] if i < len(old_cands) else None
        b_cand = new_cands[i] if i < len(new_cands) else None
        if (before := _applied(a_cand)) != (after := _applied(b_cand)):
            found.append(Difference(number, f"candidate {i + 1} apply", before, after))
        if (before := _verdict(a_cand)) != (after := _verdict(b_cand)):
            found.append(Difference(number, f"candidate {i + 1} verdict", before, after))
    return found


def _outcome(old: dict[str, Any], new: dict[str, Any]) -> list[Difference]:
    found = []
    for key in ("status", "changed_paths"):
        if old.get(key) != new.get(key):
            found.append(Difference(None, f"outcome {key}", repr(old.get(key)), repr(new.get(key))))
    if old.get("diff") != new.get("diff"):
        found.append(Difference(None, "outcome diff", *_first_difference(old.get("diff"), new.get("diff"))))
    return found


def _rounds(record: dict[str, Any]) -> dict[int, dict[str, Any]]:
    rounds = record.get("rounds") or []
    return {r["round"]: r for r in rounds if isinstance(r, dict) and isinstance(r.get("round"), int)}


def _held(one: dict[str, Any] | None) -> str:
    return "did not run it" if one is None else "ran it"


def _text_at(answers: list[Any], i: int) -> str | None:
    return answers[i].get("text") if i < len(answers) and isinstance(answers[i], dict) else None


def _exit(run: Any) -> str:
    return "no run" if not isinstance(run, dict) else f"exit {run.get('exit_code')}"


def _applied(candidate: dict[str, Any] | None) -> str:
    if candidate is None:
        return "no candidate"
    if candidate.get("applied"):
        return f"applied to {', '.join(candidate.get('paths') or []) or '(nothing)'}"
    return f"refused ({candidate.get('refusal') or candidate.get('note') or 'no reason'})"


def _verdict(candidate: dict[str, Any] | None) -> str:
    if candidate is None:
        return "no candidate"
    if not candidate.get("tested"):
        return "not tested"
    return "tests passed" if candidate.get("passed") else "tests failed"


def _round_line(here: list[Difference], replayed: dict[str, Any] | None) -> str:
    """prompt same/differs, answers same/differ, and the candidates' verdicts when they are the same."""
    if any(d.what == "round" for d in here):
        return "ran only on one side"
    prompt = "differs" if any(d.what == "prompt" for d in here) else "same"
    answers = "differ" if any(d.what.startswith("answer") for d in here) else "same"
    candidates = "differ" if any(d.what.startswith("candidate") for d in here) else "same: "
    if replayed is not None and candidates != "differ":
        candidates += _summary(replayed)
    return f"prompt {prompt}; answers {answers}; candidates {candidates}"


def _summary(one: dict[str, Any]) -> str:
    candidates = one.get("candidates") or []
    parts = [f"candidate {i + 1} {_applied(c)}, {_verdict(c)}" for i, c in enumerate(candidates)]
    return "; ".join(parts) or "no candidates"


def _ending(outcome: dict[str, Any]) -> str:
    status = outcome.get("status") or "no outcome"
    reason = outcome.get("reason")
    return f"{status}: {_excerpt(reason)}" if reason else str(status)


def _first_difference(a: str | None, b: str | None) -> tuple[str, str]:
    """Where two texts first differ, as a line number and that line of each (None: absent)."""
    if a is None or b is None:
        return ("none" if a is None else f"{len(a)} chars"), ("none" if b is None else f"{len(b)} chars")
    old, new = a.splitlines(), b.splitlines()
    if old == new:  # only line endings or a last newline differ
        return f"{len(a)} chars", f"{len(b)} chars"
    n = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), min(len(old), len(new)))
    where = f"at line {n + 1}: "
    return where + _line_at(old, n), where + _line_at(new, n)


def _line_at(lines: list[str], n: int) -> str:
    return _excerpt(lines[n]) if n < len(lines) else "(ends)"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…")
