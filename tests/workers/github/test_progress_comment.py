"""An issue's progress comment: the answer replaces it, and an answer GitHub would not take is not lost."""

from __future__ import annotations

from github import GithubException

from workers.github.check_run import CheckRunReporter
from workers.github.check_text import CheckText
from workers.github.progress_comment import FOOTER, CommentWriter, ProgressComment, progress_body


class _Writer(CommentWriter):
    def __init__(self, refuse_after: int | None = None) -> None:
        super().__init__(None, 1, lambda text: text)  # type: ignore[arg-type]
        self.bodies: list[str] = []
        self.refuse_after = refuse_after

    def write(self, state: CheckText) -> None:
        if self.refuse_after is not None and len(self.bodies) >= self.refuse_after:
            raise GithubException(403, {"message": "Resource not accessible by integration"}, None)
        self.bodies.append(progress_body(state))
        if state.status == "completed":
            self.answered.set()


def _progress(writer: _Writer) -> ProgressComment:
    progress = ProgressComment(CheckRunReporter(writer, interval_s=0), writer)
    progress.start("picked up")
    return progress


def test_the_answer_replaces_the_progress_and_later_comments_are_new() -> None:
    writer = _Writer()
    progress = _progress(writer)
    assert progress.answer("I could not fix this.") is True
    assert writer.bodies[0].endswith(FOOTER) and writer.bodies[-1] == "I could not fix this."
    assert progress.answer("Automatic repairs are paused.") is False  # a second comment is its own
    progress.finish(CheckText("completed", "Gave up", "x", "neutral"))  # nothing more is written
    assert writer.bodies[-1] == "I could not fix this."


def test_an_answer_github_refused_to_put_in_place_is_commented_anew() -> None:
    writer = _Writer(refuse_after=1)
    progress = _progress(writer)
    assert progress.answer("I could not fix this.") is False
    assert writer.bodies == [writer.bodies[0]] and writer.bodies[0].startswith("**Queued**")


def test_a_job_that_ends_without_an_answer_leaves_its_outcome_in_place() -> None:
    writer = _Writer()
    progress = _progress(writer)
    progress.finish(CheckText("completed", "Fixed", "Opened https://x/pull/2 with a fix.", "success"))
    assert writer.bodies[-1] == "Opened https://x/pull/2 with a fix."
