"""Apply a model's whole answer to a checkout: every edit or none.

Edits are applied in memory first, in answer order (several edits to one file build on each other); the
guards and the syntax check run on the result; only if nothing was refused are files written.
plan_answer stops before the writing, so that the repair loop can write an answer into another checkout
at the same commit (the slot where it is tested) without applying it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from inference import edit_prompts
from workers.checkout.files import checkout_files
from workers.edits import report
from workers.edits.fuzzy import numbered
from workers.edits.guards import check_change, check_path
from workers.edits.limits import answer_problem
from workers.edits.parse import parse_answer
from workers.edits.paths import infer_path, resolve_path
from workers.edits.records import ApplyReport, Edit, EditOutcome, EditPolicy, Refused
from workers.edits.replace import apply_replace
from workers.edits.syntax_check import introduced_error
from workers.edits.textfile import TextFile, read_text_file
from workers.edits.whole import apply_whole
from workers.edits.write import write_atomically


class _Files:
    """Original and edited state of every file the answer touches; None means absent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.original: dict[str, TextFile | None] = {}
        self.current: dict[str, TextFile | None] = {}

    def get(self, path: str) -> TextFile | None:
        if path not in self.current:
            target = self.root / path
            self.original[path] = read_text_file(target, path) if target.is_file() else None
            self.current[path] = self.original[path]
        return self.current[path]

    def changed(self) -> list[str]:
        return [p for p in self.current if _text(self.current[p]) != _text(self.original[p])]


def _text(f: TextFile | None) -> str | None:
    return None if f is None else f.text()


def _apply_edit(files: _Files, path: str, edit: Edit) -> str:
    """Apply one edit in memory; returns the rung that placed it."""
    current = files.get(path)
    if edit.kind == "delete":
        if current is None:
            raise Refused(f"{path} cannot be deleted: it does not exist")
        files.current[path] = None
        return "delete_file"
    if edit.kind == "create" and current is not None and current.lines:
        raise Refused(f"{path} already exists; edit it instead of creating it")
    if edit.kind in ("whole", "create"):
        content = edit.replace
        if edit.path_line is not None and not (
            current and current.lines and current.lines[0] == edit.path_line
        ):
            content = content[1:]
        lines, rung = apply_whole(current.lines if current else None, content, path)
        base = current or TextFile(())
        if current is not None and lines == current.lines:
            raise Refused(f"the code block for {path} is identical to the file; it changes nothing")
        files.current[path] = TextFile(lines, base.newline, base.final_newline if current else True)
        return rung
    if edit.search == edit.replace:
        raise Refused("SEARCH and REPLACE are identical, so the edit changes nothing")
    if not any(line.strip() for line in edit.search):
        if current is not None and any(line.strip() for line in current.lines):
            raise Refused(
                f"SEARCH is empty but {path} already has content; quote the lines the change goes next to"
            )
        files.current[path] = TextFile(edit.replace, (current or TextFile(())).newline, True)
        return "new_file"
    if current is None:
        raise Refused(f"{path} does not exist, so its lines cannot be replaced; check the path")
    lines, rung = apply_replace(current.lines, edit.search, edit.replace)
    files.current[path] = current.with_lines(lines)
    return rung


def _check_results(files: _Files, policy: EditPolicy) -> dict[str, Refused]:
    """Why, per changed file, the answer as a whole must be refused."""
    problems = {}
    for path in files.changed():
        before, after = _text(files.original[path]), _text(files.current[path])
        try:
            check_change(path, before, after, policy)
            if after is not None:
                error = introduced_error(path, before, after)
                if error:
                    edited = files.current[path]
                    shown = numbered(edited.lines, error.line - 1, error.line, context=3) if edited else ""
                    detail = edit_prompts.SYNTAX_ERROR.substitute(path=path, detail=error.detail)
                    raise Refused(detail, shown)
        except Refused as refusal:
            problems[path] = refusal
    return problems


@dataclass(frozen=True)
class PlannedAnswer:
    """An answer applied in memory: the report, and what each changed file would become (None: deleted)."""

    report: ApplyReport
    new: dict[str, str | None] = field(default_factory=dict)
    old: dict[str, str | None] = field(default_factory=dict)
    edits: tuple[Edit | None, ...] = ()


def apply_answer(
    repo_root: Path, answer: str, policy: EditPolicy, *, format_name: str = "search_replace"
) -> ApplyReport:
    """Parse and apply every edit in `answer`, or none of them; the report says what happened and why."""
    return write_plan(repo_root, plan_answer(repo_root, answer, policy, format_name=format_name))


def plan_answer(
    repo_root: Path,
    answer: str,
    policy: EditPolicy,
    *,
    format_name: str = "search_replace",
    listing: list[str] | None = None,
) -> PlannedAnswer:
    """Everything apply_answer does but the writing. `listing` (checkout_files of the root) saves listing
    the checkout again when several answers are planned against one tree."""
    unfit = answer_problem(answer)
    if unfit:
        return PlannedAnswer(
            ApplyReport(
                [EditOutcome("", "refused", None, unfit)],
                [],
                f"Your answer was not applied: {unfit}. Answer again.",
            )
        )
    parsed = parse_answer(answer)
    if not parsed.edits:
        reason = "no edit could be read from the answer"
        return PlannedAnswer(
            ApplyReport(
                [EditOutcome("", "refused", None, reason)], [], report.no_edits_feedback(parsed, format_name)
            )
        )
    files = _Files(repo_root)
    if listing is None:
        listing = checkout_files(repo_root)
    edits: list[Edit | None] = []
    outcomes: list[EditOutcome] = []
    for edit in parsed.edits:
        path = edit.raw_path or ""
        try:
            if edit.raw_path is None and edit.kind == "replace":
                path = infer_path(repo_root, edit.search, listing)
            path = resolve_path(repo_root, path, listing)
            check_path(path, policy)
            rung = _apply_edit(files, path, edit)
            outcomes.append(EditOutcome(path, "applied", rung))
        except Refused as refusal:
            outcomes.append(EditOutcome(path, "refused", refusal.rung, refusal.reason, refusal.nearest))
        edits.append(edit)
    for unreadable in parsed.problems:
        edits.append(None)
        outcomes.append(EditOutcome("", "refused", None, unreadable))
    if all(o.status == "applied" for o in outcomes):
        for path, problem in _check_results(files, policy).items():
            outcomes = [
                EditOutcome(o.path, "refused", o.rung, problem.reason, problem.nearest)
                if o.path == path
                else o
                for o in outcomes
            ]
    if any(o.status == "refused" for o in outcomes):
        outcomes = [_rolled_back(o) for o in outcomes]
        return PlannedAnswer(ApplyReport(outcomes, [], report.feedback(edits, outcomes)), edits=tuple(edits))
    changed = files.changed()
    return PlannedAnswer(
        ApplyReport(outcomes, changed, ""),
        {p: _text(files.current[p]) for p in changed},
        {p: _text(files.original[p]) for p in changed},
        tuple(edits),
    )


def write_plan(repo_root: Path, plan: PlannedAnswer) -> ApplyReport:
    """Write a planned answer's files into `repo_root` (the tree it was planned on, or one at the same
    commit), all or none; a refused plan writes nothing."""
    if not plan.report.ok:
        return plan.report
    try:
        write_atomically(repo_root, plan.new, plan.old)
    except Refused as refusal:
        outcomes = [EditOutcome(o.path, "refused", o.rung, refusal.reason) for o in plan.report.outcomes]
        return ApplyReport(outcomes, [], report.feedback(list(plan.edits), outcomes))
    return plan.report


def _rolled_back(outcome: EditOutcome) -> EditOutcome:
    if outcome.status == "refused":
        return outcome
    return EditOutcome(
        outcome.path, "refused", outcome.rung, "rolled back: another edit in this answer was refused"
    )
