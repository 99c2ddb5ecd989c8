"""The values that flow through edit application: a parsed edit, a policy, and what happened to each edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EditKind = Literal["replace", "whole", "create", "delete"]
Status = Literal["applied", "refused"]


@dataclass(frozen=True)
class Edit:
    """One change the model asked for, as parsed; nothing about it is trusted yet.

    `search` and `replace` are lines without line endings. For "whole" and "create", `replace` is the new
    content and `search` is empty; for "delete" both are empty.
    """

    kind: EditKind
    raw_path: str | None
    search: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    # Which shape it came from ("search_replace", "unified_diff", "whole_file"), and the answer line it
    # started on, so feedback can point the model at its own text.
    source: str = "search_replace"
    answer_line: int = 0
    # A whole file whose path was given only as a comment on its first line: that line is dropped unless
    # the file really starts with it.
    path_line: str | None = None


@dataclass(frozen=True)
class EditPolicy:
    """What the repository and the request allow, decided by the caller (repo config, job kind)."""

    protected_globs: tuple[str, ...] = ()
    # True only when the request is about the tests themselves.
    allow_test_edits: bool = False


@dataclass(frozen=True)
class EditOutcome:
    """What became of one edit. `rung` names how it was located; `reason` says why it was refused."""

    path: str
    status: Status
    rung: str | None = None
    reason: str | None = None
    # The closest real lines with line numbers, shown to the model when the edit was refused.
    nearest: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "status": self.status, "rung": self.rung, "reason": self.reason}


@dataclass
class ApplyReport:
    """The result of applying one answer: one outcome per edit, and the text for the model's next round."""

    outcomes: list[EditOutcome] = field(default_factory=list)
    changed_paths: list[str] = field(default_factory=list)
    feedback: str = ""

    @property
    def ok(self) -> bool:
        """At least one edit applied and none refused."""
        return bool(self.outcomes) and all(o.status == "applied" for o in self.outcomes)


class Refused(Exception):
    """An edit cannot be applied safely; the message says why, `nearest` shows the closest real lines."""

    def __init__(self, reason: str, nearest: str = "", rung: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.nearest = nearest
        self.rung = rung
