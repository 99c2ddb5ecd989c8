"""The feedback text for the model's next round, from the outcomes of one answer."""

from __future__ import annotations

from inference import edit_prompts
from workers.edits.formats import SOURCE_LABELS, get_format
from workers.edits.parse import ParsedAnswer
from workers.edits.records import Edit, EditOutcome


def refused_item(number: int, edit: Edit | None, outcome: EditOutcome) -> str:
    source = SOURCE_LABELS.get(edit.source, edit.source) if edit else "answer"
    path = outcome.path or "no file named"
    if outcome.rung and outcome.reason and outcome.reason.startswith("rolled back"):
        return edit_prompts.ROLLED_BACK.substitute(number=number, source=source, path=path, rung=outcome.rung)
    text = edit_prompts.REFUSED_EDIT.substitute(
        number=number, source=source, path=path, reason=outcome.reason
    )
    if outcome.nearest:
        text += "\n" + edit_prompts.NEAREST_LINES.substitute(path=path, lines=outcome.nearest)
    return text


def feedback(edits: list[Edit | None], outcomes: list[EditOutcome]) -> str:
    items = [
        refused_item(n, e, o)
        for n, (e, o) in enumerate(zip(edits, outcomes, strict=True), 1)
        if o.status == "refused"
    ]
    return edit_prompts.FEEDBACK.substitute(items="\n".join(items))


def no_edits_feedback(parsed: ParsedAnswer, format_name: str) -> str:
    problems = " ".join(parsed.problems)
    if parsed.unnamed_fences and not problems:
        problems = edit_prompts.UNNAMED_FENCE
    return edit_prompts.NO_EDITS.substitute(
        problems=problems, instructions=get_format(format_name).instructions()
    ).strip()
