"""How far a repair has got, told as it happens: the phases the pipeline and the loop pass through.

The loop only knows the `Progress` protocol; who listens (a Check Run on GitHub, nothing on the command line)
is the entry's business, so the loop stays free of GitHub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SettingUp:
    """Cloning the repository, reading its configuration, running its set-up commands."""


@dataclass(frozen=True)
class Reproducing:
    """Running the tests on the unchanged code; `failing` are the tests CI reported failing, if any."""

    failing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Localizing:
    """Choosing the code for the prompt: the failing tests seen here and the top files with why."""

    failing: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (path, why)


@dataclass(frozen=True)
class Round:
    """Round `number` of at most `of`; the counts are the job's totals so far."""

    number: int
    of: int
    tested: int
    passed: int
    tokens: int


@dataclass(frozen=True)
class Publishing:
    """Reporting the result: pushing the fix and opening its pull request, or saying why there is none."""


Phase = SettingUp | Reproducing | Localizing | Round | Publishing


class Progress(Protocol):
    """Told each phase as it starts or changes. Must return quickly and never raise: a listener that is
    slow or broken must not hold up or end the repair."""

    def phase(self, phase: Phase) -> None: ...


class Silent:
    """No one is listening (the command line, the benchmark)."""

    def phase(self, phase: Phase) -> None:
        pass


SILENT: Progress = Silent()


class Both:
    """Tells two listeners each phase, the first first (the job's Check Run, then its row in the list)."""

    def __init__(self, first: Progress, second: Progress) -> None:
        self._first, self._second = first, second

    def phase(self, phase: Phase) -> None:
        self._first.phase(phase)
        self._second.phase(phase)
