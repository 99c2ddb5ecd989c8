"""Everything a job reads from and writes to GitHub about one repository, through PyGithub."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

from github import Github, GithubException
from github.PullRequest import ReviewComment
from github.Repository import Repository

from core.errors import GitHubUnavailable, JobFailed
from core.scrub import Scrubber
from workers.github.log_download import LogLimits, fetch_logs

log = logging.getLogger("codellama.github")

# Job logs can be huge or hostile (a compression bomb): workers/github/log_download.py bounds them.
LOG_LIMITS = LogLimits()


@dataclass(frozen=True)
class IssueInfo:
    number: int
    title: str
    body: str
    html_url: str


@dataclass(frozen=True)
class PullInfo:
    number: int
    head_ref: str
    head_repo: str
    base_ref: str
    head_sha: str
    title: str = ""
    body: str = ""
    html_url: str = ""


@dataclass(frozen=True)
class ReviewNote:
    """A review comment on a line of a pull request; `code` is that line as the comment saw it."""

    path: str
    line: int | None
    user: str
    body: str
    code: str


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str
    patch: str  # empty for a binary file or one too large for GitHub to show


@dataclass(frozen=True)
class FailedJobLog:
    name: str
    text: str
    # The first step the jobs API shows as failed, which names the command in the workflow file.
    failed_step: str | None = None


@dataclass(frozen=True)
class FailedRun:
    """A red workflow run: its workflow file (`path`) and the logs of its failed jobs."""

    path: str
    logs: list[FailedJobLog]


def _failed_step(job: Any) -> str | None:
    return next((s.name for s in job.steps if s.conclusion in ("failure", "timed_out")), None)


def _unavailable(what: str, exc: GithubException) -> GitHubUnavailable:
    return GitHubUnavailable(f"{what}: GitHub answered HTTP {exc.status}")


class RepoGateway:
    """Reads and writes one repository; every text it writes to GitHub goes through `scrubber` first."""

    def __init__(self, client: Github, full_name: str, *, scrubber: Scrubber | None = None) -> None:
        self.full_name = full_name
        self.scrub = scrubber or Scrubber()
        self._answer: tuple[int, Callable[[str], bool]] | None = None
        try:
            self._repo: Repository = client.get_repo(full_name)
        except GithubException as exc:
            if exc.status == 404:
                raise JobFailed(f"the App cannot see {full_name}; is it still installed there?") from exc
            raise _unavailable(f"reading {full_name}", exc) from exc

    @property
    def clone_url(self) -> str:
        return str(self._repo.clone_url)

    @property
    def default_branch(self) -> str:
        return str(self._repo.default_branch)

    def issue(self, number: int) -> IssueInfo:
        try:
            issue = self._repo.get_issue(number)
        except GithubException as exc:
            raise _unavailable(f"reading #{number}", exc) from exc
        return IssueInfo(number, issue.title or "", issue.body or "", issue.html_url)

    def pull(self, number: int) -> PullInfo:
        try:
            pr = self._repo.get_pull(number)
        except GithubException as exc:
            raise _unavailable(f"reading pull request #{number}", exc) from exc
        head_repo = pr.head.repo.full_name if pr.head.repo else ""
        return PullInfo(
            number,
            pr.head.ref,
            head_repo,
            pr.base.ref,
            pr.head.sha,
            pr.title or "",
            pr.body or "",
            pr.html_url,
        )

    def review_notes(self, number: int, limit: int) -> list[ReviewNote]:
        """The pull request's review comments, the latest `limit` of them, oldest first."""
        try:
            found = list(self._repo.get_pull(number).get_review_comments())
        except GithubException as exc:
            raise _unavailable(f"reading the review comments of #{number}", exc) from exc
        # An outdated comment has no `line` on the current diff; the line it was made on still says where.
        return [
            ReviewNote(c.path, c.line or c.original_line, c.user.login if c.user else "ghost", c.body or "",
                       (c.diff_hunk or "").rsplit("\n", 1)[-1][1:])
            for c in found[-limit:]
        ]  # fmt: skip

    def changed_files(self, number: int, limit: int) -> list[ChangedFile]:
        """What the pull request changes against its base, file by file (GitHub's own diff)."""
        try:
            files = self._repo.get_pull(number).get_files()
            return [ChangedFile(f.filename, f.status, f.patch or "") for f in islice(files, limit)]
        except GithubException as exc:
            raise _unavailable(f"reading the files of #{number}", exc) from exc

    def pull_from(self, head_repo: str, branch: str) -> PullInfo | None:
        """The open pull request whose head is `branch` of `head_repo` (a fork), if there is one."""
        try:
            found = next(
                iter(self._repo.get_pulls(state="open", head=f"{head_repo.split('/')[0]}:{branch}")), None
            )
        except GithubException as exc:
            raise _unavailable(f"looking for the pull request from {head_repo}", exc) from exc
        return self.pull(found.number) if found else None

    def review(self, number: int, commit_sha: str, body: str, comments: list[dict[str, Any]]) -> str:
        """Submits one review (event COMMENT) on the lines of `commit_sha`; returns its URL."""
        scrubbed = [cast(ReviewComment, {**c, "body": self.scrub(c["body"])}) for c in comments]
        try:
            pr = self._repo.get_pull(number)
            commit = self._repo.get_commit(commit_sha)
            done = pr.create_review(commit=commit, body=self.scrub(body), event="COMMENT", comments=scrubbed)
        except GithubException as exc:
            if exc.status == 422:
                raise JobFailed(f"GitHub refused the review on #{number}: {exc.data}") from exc
            raise _unavailable(f"reviewing #{number}", exc) from exc
        return str(done.html_url)

    def review_bodies(self, number: int) -> list[tuple[str, str]]:
        """(body, URL) of each review on the pull request, oldest first."""
        try:
            return [(r.body or "", str(r.html_url)) for r in self._repo.get_pull(number).get_reviews()]
        except GithubException as exc:
            raise _unavailable(f"reading the reviews of #{number}", exc) from exc

    def edit_pull_body(self, number: int, body: str) -> None:
        try:
            self._repo.get_pull(number).edit(body=self.scrub(body))
        except GithubException as exc:
            raise _unavailable(f"editing the description of #{number}", exc) from exc

    def commit_url(self, sha: str) -> str:
        return f"{self._repo.html_url}/commit/{sha}"

    def failed_job_logs(self, run_id: int) -> list[FailedJobLog]:
        """The logs of a workflow run's failed jobs, via the Actions job-logs API (a redirect)."""
        return self.failed_run(run_id).logs

    def failed_run(self, run_id: int) -> FailedRun:
        """The run's workflow file, and its failed jobs with their logs and failed steps."""
        try:
            run = self._repo.get_workflow_run(run_id)
            failed = [job for job in run.jobs() if job.conclusion in ("failure", "timed_out")]
            failed = failed[: LOG_LIMITS.max_logs]
            urls = [(job.name, job.logs_url()) for job in failed]
            steps = [_failed_step(job) for job in failed]
            path = run.path if isinstance(run.path, str) else ""
        except GithubException as exc:
            raise _unavailable(f"reading jobs of run {run_id}", exc) from exc
        texts = fetch_logs(urls, LOG_LIMITS)
        return FailedRun(path, [FailedJobLog(n, t, s) for (n, t), s in zip(texts, steps, strict=True)])

    def failed_check_outputs(self, suite_id: int) -> list[FailedJobLog]:
        """For CI that is not Actions: what the failed check runs reported in their output."""
        try:
            runs = list(self._repo.get_check_suite(suite_id).get_check_runs())
        except GithubException as exc:
            raise _unavailable(f"reading check suite {suite_id}", exc) from exc
        logs: list[FailedJobLog] = []
        for run in runs:
            if run.conclusion not in ("failure", "timed_out"):
                continue
            if len(logs) == LOG_LIMITS.max_logs:
                break
            out = run.output
            parts = [getattr(out, name, None) for name in ("title", "summary", "text")] if out else []
            logs.append(FailedJobLog(run.name, "\n\n".join(p for p in parts if p)))
        return logs

    def open_pull_for(self, head_branch: str) -> str | None:
        """The URL of an open pull request from this branch, if one exists: the job is then already done."""
        owner = self.full_name.split("/")[0]
        try:
            for pr in self._repo.get_pulls(state="open", head=f"{owner}:{head_branch}"):
                return str(pr.html_url)
        except GithubException as exc:
            raise _unavailable("listing pull requests", exc) from exc
        return None

    def open_pull(self, *, title: str, body: str, head: str, base: str) -> str:
        try:
            pr = self._repo.create_pull(base=base, head=head, title=self.scrub(title), body=self.scrub(body))
        except GithubException as exc:
            if exc.status == 422:
                # Another delivery of the same job got there first; its pull request is the answer.
                existing = self.open_pull_for(head)
                if existing:
                    return existing
                raise JobFailed(
                    f"GitHub refused the pull request from {head} into {base}: {exc.data}"
                ) from exc
            raise _unavailable("opening the pull request", exc) from exc
        return str(pr.html_url)

    def has_comment_containing(self, number: int, text: str) -> bool:
        try:
            return any(text in (c.body or "") for c in self._repo.get_issue(number).get_comments())
        except GithubException as exc:
            raise _unavailable(f"reading the comments of #{number}", exc) from exc

    def answer_in(self, number: int, answer: Callable[[str], bool]) -> None:
        """Comments on `number` go to `answer` first (the job's progress comment, which the first one
        replaces); a new comment is made when it returns False."""
        self._answer = (number, answer)

    def comment(self, number: int, body: str) -> None:
        answer = self._answer
        if answer is not None and answer[0] == number and answer[1](self.scrub(body)):
            return
        try:
            self._repo.get_issue(number).create_comment(self.scrub(body))
        except GithubException as exc:
            raise _unavailable(f"commenting on #{number}", exc) from exc
