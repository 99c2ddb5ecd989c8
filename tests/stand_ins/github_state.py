"""The GitHub stand-in's world: apps, installations, tokens, repositories and their issues, runs and suites.

Plain records guarded by one lock; rendering them as GitHub's JSON lives in github_shapes.py.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def client_id(app_id: int) -> str:
    """The stand-in's client id for an App (GitHub's look like Iv1.0123456789abcdef)."""
    return f"Iv1.{app_id:016x}"


@dataclass
class App:
    app_id: int
    slug: str
    public_key_pem: bytes


@dataclass
class Installation:
    installation_id: int
    app_id: int
    account: str
    repos: set[str]
    created_at: datetime = field(default_factory=now)


@dataclass
class Token:
    token: str
    installation_id: int
    expires_at: datetime


@dataclass
class Comment:
    comment_id: int
    full_name: str
    issue_number: int
    body: str
    user: str
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    # Every body the comment had before its current one, oldest first: tests read a comment's edits.
    history: list[str] = field(default_factory=list)


@dataclass
class Reaction:
    reaction_id: int
    comment_id: int
    content: str
    user: str
    created_at: datetime = field(default_factory=now)


@dataclass
class Issue:
    """An issue, or the issue half of a pull request (GitHub numbers both from one sequence)."""

    number: int
    issue_id: int
    title: str
    body: str | None
    user: str
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    closed_at: datetime | None = None


@dataclass
class Pull:
    number: int
    pull_id: int
    head: str  # branch name, in the same repository unless head_repo names a fork
    base: str
    draft: bool = False
    head_repo: str | None = None  # the fork the head branch lives in; None: this repository


@dataclass
class ReviewComment:
    """A comment on a line of a pull request's diff (GitHub's "pull request review comment")."""

    comment_id: int
    full_name: str
    pull_number: int
    review_id: int
    path: str
    line: int
    body: str
    user: str
    diff_hunk: str
    commit_id: str
    created_at: datetime = field(default_factory=now)
    start_line: int | None = None  # a multi-line comment's first line


@dataclass
class Review:
    """A submitted pull request review; its line comments are ReviewComments with its review_id."""

    review_id: int
    full_name: str
    pull_number: int
    body: str
    state: str  # GitHub's REST words: COMMENTED, APPROVED, CHANGES_REQUESTED
    user: str
    commit_id: str
    submitted_at: datetime = field(default_factory=now)


@dataclass
class Job:
    job_id: int
    run_id: int
    name: str
    conclusion: str | None
    log: str
    log_key: str  # the unguessable part of the signed download URL, like GitHub's
    # How the log is served: "" plain text, "gzip" (Content-Encoding: gzip), "zip" (a zip of step logs).
    log_encoding: str = ""
    log_body: bytes | None = None  # the bytes to serve as they are (a compression bomb), instead of `log`
    # The workflow's steps as (name, conclusion); None shows one step, "Run tests", with the job's conclusion.
    steps: list[tuple[str, str | None]] | None = None


@dataclass
class WorkflowRun:
    run_id: int
    full_name: str
    name: str
    head_branch: str
    head_sha: str
    event: str
    conclusion: str | None
    run_number: int
    jobs: list[Job] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)


@dataclass
class CheckRun:
    check_run_id: int
    suite_id: int
    name: str
    conclusion: str | None
    output: dict[str, str | None]
    # Check runs an App writes through the API carry their own status and times; seeded ones derive them.
    status: str | None = None
    details_url: str | None = None
    started_at: datetime = field(default_factory=now)
    completed_at: datetime | None = None
    # Every state the API was asked to give it, oldest first, so that tests can read the sequence.
    history: list[dict[str, str | None]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # the identifiers of its buttons
    # As GitHub keeps them: every annotation any update sent, in order.
    annotations: list[dict[str, object]] = field(default_factory=list)


@dataclass
class CheckSuite:
    suite_id: int
    full_name: str
    head_branch: str
    head_sha: str
    conclusion: str | None
    app_slug: str
    check_runs: list[CheckRun] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)


@dataclass
class Repo:
    repo_id: int
    full_name: str
    default_branch: str
    bare_path: Path
    permissions: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    parent: str | None = None  # the repository this one is a fork of
    created_at: datetime = field(default_factory=now)

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


class World:
    """Everything the stand-in knows. Callers hold `lock` while they read or change it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1001)
        self.user_ids: dict[str, int] = {}
        self.label_ids: dict[str, int] = {}
        self.apps: dict[int, App] = {}
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, Token] = {}
        # GitHub's installation tokens live one hour; tests of refreshing make them live seconds.
        self.token_lifetime = timedelta(hours=1)
        self.repos: dict[str, Repo] = {}
        self.comments: dict[int, Comment] = {}
        self.reactions: dict[int, list[Reaction]] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self.reviews: dict[int, Review] = {}
        self.runs: dict[int, WorkflowRun] = {}
        self.jobs: dict[int, Job] = {}
        self.suites: dict[int, CheckSuite] = {}
        self.check_runs: dict[int, CheckRun] = {}

    def new_id(self) -> int:
        return next(self._ids)

    def user_id(self, login: str) -> int:
        """Seen users get a stable id; the permission endpoint answers 404 for logins never seen."""
        if login not in self.user_ids:
            self.user_ids[login] = self.new_id()
        return self.user_ids[login]

    def label_id(self, name: str) -> int:
        if name not in self.label_ids:
            self.label_ids[name] = self.new_id()
        return self.label_ids[name]

    def repo(self, full_name: str) -> Repo:
        try:
            return self.repos[full_name]
        except KeyError:
            raise KeyError(
                f"the GitHub stand-in has no repository {full_name!r}; create_repo() it first"
            ) from None

    def next_number(self, repo: Repo) -> int:
        return max(repo.issues, default=0) + 1

    def comments_on(self, full_name: str, number: int) -> list[Comment]:
        found = [c for c in self.comments.values() if (c.full_name, c.issue_number) == (full_name, number)]
        return sorted(found, key=lambda c: c.comment_id)

    def installation_for_repo(self, full_name: str) -> Installation | None:
        return next((i for i in self.installations.values() if full_name in i.repos), None)

    def bot_login(self, installation_id: int) -> str:
        """Who GitHub says wrote what an installation token wrote: the app's `<slug>[bot]` user."""
        app = self.apps[self.installations[installation_id].app_id]
        return f"{app.slug}[bot]"
