"""Progress on an issue, which has no commit to hang a Check Run on: one comment, edited in place at each
phase, that the job's answer then replaces, so the issue gets one comment from the bot, not a trail.

The same reporter as the Check Run's (workers/github/check_run.py: its own thread, throttled, never holding
up the repair) writes it; only the writer differs.
"""

from __future__ import annotations

import threading

from github.IssueComment import IssueComment
from github.Repository import Repository

from core.scrub import Scrubber
from workers.github.check_run import CheckRunReporter
from workers.github.check_text import CheckText
from workers.loop.progress import Phase

FOOTER = "\n\n*codellama-bot is working on this; this comment is updated as it goes.*"
_COMPLETED = "completed"


def progress_body(state: CheckText) -> str:
    """A running state as a comment; a completed one is the answer itself, as the job wrote it."""
    if state.status == _COMPLETED:
        return state.summary
    return f"**{state.title}**\n\n{state.summary}{FOOTER}"


class CommentWriter:
    """Through PyGithub: Issue.create_comment once, then IssueComment.edit."""

    def __init__(self, repo: Repository, number: int, scrub: Scrubber) -> None:
        self._repo, self._number, self._scrub = repo, number, scrub
        self._comment: IssueComment | None = None
        self.answered = threading.Event()  # the completed state is on GitHub

    def write(self, state: CheckText) -> None:
        body = self._scrub(progress_body(state))
        if self._comment is None:
            self._comment = self._repo.get_issue(self._number).create_comment(body)
        else:
            self._comment.edit(body)
        if state.status == _COMPLETED:
            self.answered.set()


class ProgressComment:
    """`Checks` for an issue job. The job's first comment on the issue becomes `answer`: it replaces the
    progress; if the job ends without one, the completed state (what a check would say) does."""

    def __init__(self, reporter: CheckRunReporter, writer: CommentWriter) -> None:
        self._reporter, self._writer = reporter, writer
        self._lock = threading.Lock()
        self._done = False

    def start(self, why: str) -> None:
        self._reporter.start(why)

    def phase(self, phase: Phase) -> None:
        self._reporter.phase(phase)

    def answer(self, body: str) -> bool:
        """Put the job's answer in place of the progress. False once it has one, or when GitHub did not
        take the edit: the caller then comments anew, so an answer is never lost with the progress."""
        with self._lock:
            if self._done:
                return False
            self._done = True
        self._reporter.finish(CheckText(_COMPLETED, "", body, "neutral"))
        return self._writer.answered.is_set()

    def finish(self, state: CheckText, timeout_s: float = 30.0) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._reporter.finish(state, timeout_s)
