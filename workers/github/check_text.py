"""What the bot's Check Run says: a title and summary per phase, and the conclusion a job ends with.
Pure logic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from string import Template
from typing import Any

from core.jobs import RETRY_ACTION
from workers.github.fix_annotations import fix_annotations
from workers.github.outcome import JobOutcome, JobStatus
from workers.github.report_text import attempt_lines
from workers.loop.progress import Localizing, Phase, Publishing, Reproducing, Round, SettingUp

# GitHub refuses an output summary over 65,535 characters (422); the ledger of a long job can get there.
SUMMARY_CHARS = 60_000
TESTS_SHOWN = 10
WHY_CHARS = 200  # of the reasons a file ranks high; the full list is in the worker's log
_RUNNING, _DONE = "in_progress", "completed"

QUEUED = Template("Waiting to start: $why.")

SETTING_UP = (
    "Cloning the repository, reading `.github/codellama.yml` (else the manifests that name its set-up and "
    "tests by convention) and running its set-up commands."
)
REPRODUCING = Template("Running the tests on the unchanged code to see the failure.\n$reported")
LOCALIZING = Template("Choosing the code to show the model.\n$failing$files")
ROUND = Template("""\
Round $number of at most $of.

| candidates tested | passed | model tokens spent |
|---|---|---|
| $tested | $passed | $tokens |""")
PUBLISHING = "Pushing the fix and opening its pull request, or writing down why there is none."

SUCCESS = Template("Opened $url with a fix; the tests pass on it.\n\n$ledger")
ALREADY_DONE = Template("A pull request for this job was already open: $url")
UNFIXED = Template("$reason.\n\n$ledger")
FAILED = Template("The job could not run: $detail\n\nNothing was changed.")
CANCELLED = Template("The job was stopped ($why). Nothing was changed.")
SUGGESTED = Template(
    "Offered the fix as suggestions in $url: the pull request comes from a fork, where the App cannot push. "
    "The tests pass with them applied.\n\n$ledger"
)
REVISED = Template("Revised the pull request with $url; the tests pass on it.\n\n$ledger")
HELD = Template("Not run: $detail.\n\nNothing was changed.")


@dataclass(frozen=True)
class CheckText:
    """One state of the Check Run, as GitHub's fields: `conclusion` only once `status` is completed."""

    status: str  # queued, in_progress, completed
    title: str
    summary: str
    conclusion: str | None = None
    details_url: str | None = None
    # On the lines the fix changes (workers/github/fix_annotations.py), with the final state only.
    annotations: tuple[dict[str, Any], ...] = ()
    # Buttons on the completed check; pressing one sends check_run.requested_action to the receiver.
    actions: tuple[dict[str, str], ...] = ()

    @property
    def final(self) -> bool:
        return self.status == "completed"


def queued(why: str) -> CheckText:
    return CheckText("queued", "Queued", QUEUED.substitute(why=why))


def for_phase(phase: Phase) -> CheckText:
    match phase:
        case SettingUp():
            return CheckText(_RUNNING, "Setting up", SETTING_UP)
        case Reproducing(failing=failing):
            reported = f"CI reported these tests failing: {_tests(failing)}." if failing else ""
            return CheckText(
                _RUNNING, "Reproducing the failure", REPRODUCING.substitute(reported=reported).strip()
            )
        case Localizing(failing=failing, files=files):
            seen = f"Failing here: {_tests(failing)}.\n" if failing else ""
            top = "".join(
                f"\n- `{path}`" + (f": {_cut(why, WHY_CHARS)}" if why else "") for path, why in files
            )
            text = LOCALIZING.substitute(failing=seen, files=f"\nTop files:{top}" if top else "")
            return CheckText(_RUNNING, "Localizing", text.strip())
        case Round():
            numbers = {k: f"{v:,}" for k, v in vars(phase).items()}
            return CheckText(_RUNNING, f"Round {phase.number} of {phase.of}", ROUND.substitute(numbers))
        case Publishing():
            return CheckText(_RUNNING, "Publishing", PUBLISHING)


# The repair's own endings are not the bot's failures: GitHub's `neutral` keeps a commit's checks green.
_UNFIXED_TITLES = {
    JobStatus.GAVE_UP: "Gave up",
    JobStatus.NOT_REPRODUCED: "Not reproduced",
    JobStatus.NOT_CODE: "Not a failure of the code",
}


# GitHub's limits: label 20 characters, description 40, identifier 20.
RETRY = {"label": "Retry", "description": "Run the repair again", "identifier": RETRY_ACTION}

# Jobs a guard or the repository's config held back: nothing ran, and nothing is wrong with the bot.
_HELD_TITLES = {
    JobStatus.AUTO_FIX_OFF: "Automatic repairs off for this branch",
    JobStatus.REPEATED_FAILURE: "Already tried",
    JobStatus.OVER_BUDGET: "Over the daily budget",
    JobStatus.PAUSED: "Automatic repairs paused",
}


def completed(outcome: JobOutcome) -> CheckText:
    """The last state: `success` with the pull request, `neutral` when the repair found no fix (with the
    ledger of attempts), `failure` when the job itself could not run."""
    status, detail, result = outcome.status, outcome.detail, outcome.result
    ledger = _ledger(outcome)
    annotations = tuple(fix_annotations(result.diff, detail)) if result is not None else ()
    if status == JobStatus.PULL_REQUEST:
        text = _cap(SUCCESS.substitute(url=detail, ledger=ledger))
        return CheckText(_DONE, "Fixed", text, "success", detail, annotations)
    if status == JobStatus.SUGGESTED:
        text = _cap(SUGGESTED.substitute(url=detail, ledger=ledger))
        return CheckText(_DONE, "Fix suggested", text, "success", detail, annotations)
    if status == JobStatus.REVISED:
        text = _cap(REVISED.substitute(url=detail, ledger=ledger))
        return CheckText(_DONE, "Revised", text, "success", detail, annotations)
    if status in _HELD_TITLES:
        held = _cap(HELD.substitute(detail=detail))
        return CheckText(_DONE, _HELD_TITLES[status], held, "neutral", actions=(RETRY,))
    if status == JobStatus.ALREADY_DONE:
        return CheckText(_DONE, "Fixed", ALREADY_DONE.substitute(url=detail), "success", detail)
    if status in _UNFIXED_TITLES:
        reason = (result.reason if result else detail) or "no fix was found"
        text = UNFIXED.substitute(reason=reason[:1].upper() + reason[1:], ledger=ledger)
        return CheckText(_DONE, _UNFIXED_TITLES[status], _cap(text), "neutral", actions=(RETRY,))
    failed = _cap(FAILED.substitute(detail=detail))
    return CheckText(_DONE, "Could not run", failed, "failure", actions=(RETRY,))


def cancelled(why: str) -> CheckText:
    return CheckText("completed", "Stopped", CANCELLED.substitute(why=why), "cancelled")


def _ledger(outcome: JobOutcome) -> str:
    result = outcome.result
    if result is None:
        return ""
    lines = attempt_lines(result) if result.attempts else "- no candidate was tried"
    return f"### Attempts\n{lines}\n\nSpent: {result.spend.line()}.{outcome.origin}"


def _tests(ids: Sequence[str]) -> str:
    shown = ", ".join(f"`{t}`" for t in ids[:TESTS_SHOWN])
    return shown + (f" and {len(ids) - TESTS_SHOWN} more" if len(ids) > TESTS_SHOWN else "")


def _cap(text: str) -> str:
    return _cut(text, SUMMARY_CHARS)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
