"""The model's edits: read them in any of the three formats, apply them tolerantly but never wrongly, and
refuse what is unsafe, with feedback the model can act on."""

from workers.edits.apply import PlannedAnswer, apply_answer, plan_answer, write_plan
from workers.edits.formats import EDIT_FORMATS, EditFormat, get_format
from workers.edits.parse import parse_answer
from workers.edits.records import ApplyReport, Edit, EditOutcome, EditPolicy

__all__ = [
    "EDIT_FORMATS",
    "ApplyReport",
    "Edit",
    "EditFormat",
    "EditOutcome",
    "EditPolicy",
    "PlannedAnswer",
    "apply_answer",
    "get_format",
    "parse_answer",
    "plan_answer",
    "write_plan",
]
