"""Publishing a fix on a fork's pull request, where the App cannot push: one review whose comments are
suggestions, one per changed hunk, that the author applies with one click. What GitHub would not take as
a suggestion (lines outside the pull request's diff, new or deleted files) goes in the body as a patch."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.jobs import RepairRequest
from workers.checkout.workspace import Workspace
from workers.github import fork_review_text
from workers.github.gateway import PullInfo, RepoGateway
from workers.github.suggestions import Suggestion, commentable, fits, suggestions_for, unified_diff
from workers.loop.repair_loop import RepairResult
from workers.loop.text_caps import DIFF_FILES_MAX


@dataclass
class Offer:
    """The fix split into what becomes suggestions and what becomes a patch in the body."""

    suggestions: list[Suggestion] = field(default_factory=list)
    patch: str = ""


def already_offered(gateway: RepoGateway, pull: PullInfo, request: RepairRequest) -> str | None:
    """The URL of this delivery's review if an earlier run of the job posted it."""
    mark = fork_review_text.marker(request.delivery_id)
    return next((url for body, url in gateway.review_bodies(pull.number) if mark in body), None)


def publish_suggestions(
    gateway: RepoGateway,
    workspace: Workspace,
    pull: PullInfo,
    request: RepairRequest,
    result: RepairResult,
    *,
    link_line: str,
    command: str,
) -> str:
    """Posts the review on the commit the fix was made from; returns its URL."""
    patches = {f.path: f.patch for f in gateway.changed_files(pull.number, DIFF_FILES_MAX)}
    offer = split_fix(
        {path: (_at_head(workspace, path), _fixed(workspace, path)) for path in result.changed_paths}, patches
    )
    body = fork_review_text.review_body(
        result,
        link_line=link_line,
        fork=pull.head_repo,
        command=command,
        suggestions=len(offer.suggestions),
        outside_diff=offer.patch,
        delivery_id=request.delivery_id,
    )
    comments = [s.review_comment() for s in offer.suggestions]
    return gateway.review(pull.number, workspace.head_sha, body, comments)


def split_fix(files: dict[str, tuple[str | None, str | None]], patches: dict[str, str]) -> Offer:
    """`files`: path -> (text at the head, text fixed), None where the file does not exist. A file is
    offered as suggestions only when every one of its hunks can be: never half a file each way."""
    offer = Offer()
    for path, (head, fixed) in sorted(files.items()):
        found = suggestions_for(path, head, fixed) if head is not None and fixed is not None else None
        hunks = commentable(patches.get(path, ""))
        if found is not None and all(fits(s, hunks) for s in found):
            offer.suggestions.extend(found)
        else:
            offer.patch += unified_diff(path, head or "", fixed or "")
    return offer


def _at_head(workspace: Workspace, path: str) -> str | None:
    try:
        blob = workspace.repo.head.commit.tree / path
    except KeyError:
        return None
    return bytes(blob.data_stream.read()).decode("utf-8", errors="replace")


def _fixed(workspace: Workspace, path: str) -> str | None:
    target = workspace.root / path
    # Bytes, not read_text: its universal newlines would turn a CRLF file's lines into changed ones.
    return target.read_bytes().decode("utf-8", errors="replace") if target.is_file() else None
