"""The events the bot acts on, as typed models of exactly the fields it reads.

A delivery is parsed into one of these before anything is claimed or queued: a payload that does not fit
is refused with a 400 that names the field, so a handler never meets a wrong type. Nullability follows
GitHub's payload schemas (../shared/corpora/webhooks/payload-schemas); fields the bot does not read are
ignored, whatever they hold.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.fields import Branch, CommentBody, FullName, GitHubId, Login, Sha, Word
from bot.refused import Refused


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Account(_Model):
    login: Login
    type: Word


class Installation(_Model):
    id: GitHubId


class Repository(_Model):
    full_name: FullName


class Comment(_Model):
    id: GitHubId
    body: CommentBody
    user: Account
    author_association: Word


class PullRequestLink(_Model):
    """Present on an issue that is a pull request; its fields are not read."""


class Issue(_Model):
    number: GitHubId
    # Optional in GitHub's schema, but never null.
    pull_request: PullRequestLink | None = None

    @field_validator("pull_request", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must be an object when present, not null")
        return value


class IssueCommentCreated(_Model):
    action: Literal["created"]
    comment: Comment
    issue: Issue
    repository: Repository
    sender: Account
    installation: Installation


class PullNumber(_Model):
    number: GitHubId


class WorkflowRun(_Model):
    id: GitHubId
    check_suite_id: GitHubId
    conclusion: Word | None
    # A string in the schema; GitHub sends null for runs on a tag or a detached head.
    head_branch: Branch | None
    head_sha: Sha
    # null when the fork it ran on is gone.
    head_repository: Repository | None
    pull_requests: list[PullNumber]


class WorkflowRunCompleted(_Model):
    action: Literal["completed"]
    workflow_run: WorkflowRun
    repository: Repository
    sender: Account
    installation: Installation


class CheckSuite(_Model):
    id: GitHubId
    conclusion: Word | None
    head_branch: Branch | None
    head_sha: Sha
    pull_requests: list[PullNumber]


class CheckSuiteCompleted(_Model):
    action: Literal["completed"]
    check_suite: CheckSuite
    repository: Repository
    sender: Account
    installation: Installation


class App(_Model):
    id: GitHubId


class CheckRun(_Model):
    id: GitHubId
    name: CommentBody
    head_sha: Sha
    # null for a check run made without an App (a commit status shown as a check).
    app: App | None


class CheckRunRerequested(_Model):
    """Someone pressed "Re-run" on a check run."""

    action: Literal["rerequested"]
    check_run: CheckRun
    repository: Repository
    sender: Account
    installation: Installation


class RequestedAction(_Model):
    identifier: CommentBody


class CheckRunRequestedAction(_Model):
    """Someone pressed one of a check run's own buttons."""

    action: Literal["requested_action"]
    check_run: CheckRun
    requested_action: RequestedAction
    repository: Repository
    sender: Account
    installation: Installation


class PullHead(_Model):
    ref: Branch
    # null when the fork the pull request came from is gone.
    repo: Repository | None


class PullRequest(_Model):
    number: GitHubId
    head: PullHead


class Review(_Model):
    id: GitHubId
    # "approved", "changes_requested", "commented" or "dismissed" (lower case in webhooks, unlike REST).
    state: Word
    body: CommentBody | None
    user: Account
    author_association: Word


class PullRequestReviewSubmitted(_Model):
    action: Literal["submitted"]
    review: Review
    pull_request: PullRequest
    repository: Repository
    sender: Account
    installation: Installation


class ReviewComment(_Model):
    id: GitHubId
    pull_request_review_id: GitHubId
    body: CommentBody
    user: Account
    author_association: Word


class PullRequestReviewCommentCreated(_Model):
    action: Literal["created"]
    comment: ReviewComment
    pull_request: PullRequest
    repository: Repository
    sender: Account
    installation: Installation


E = TypeVar("E", bound=BaseModel)


def parse_event(model: type[E], event: str, payload: dict[str, Any]) -> E:
    """The payload as `model`, or Refused(400) naming each field that does not fit (at most three)."""
    try:
        return model.model_validate(payload, strict=True)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors(include_url=False, include_input=False)]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise Refused(400, f"{event} payload: " + "; ".join(problems[:3]) + more) from None


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "the payload"
    return f"{where}: {error['msg']}"
