"""Publishing a revision of the bot's own pull request: one commit on its branch, pushed fast-forward only,
the ledger in its description grown by one entry, and a comment linking the commit. Never a pull request."""

from __future__ import annotations

from core.jobs import RepairRequest
from workers.checkout.workspace import Workspace
from workers.github import revision_text
from workers.github.gateway import PullInfo, RepoGateway
from workers.loop.repair_loop import RepairResult


def publish_revision(
    gateway: RepoGateway, workspace: Workspace, pull: PullInfo, request: RepairRequest, result: RepairResult
) -> str:
    """Pushes the fix onto the pull request's branch and records it; returns the new commit's URL."""
    files = result.changed_paths
    asked = request.instructions.strip().splitlines()[0][:72] if request.instructions.strip() else ""
    title = f"Revise #{pull.number}: {asked}" if asked else f"Revise #{pull.number} as reviewed"
    message = gateway.scrub(f"{title}\n\n{result.explanation}".strip())
    sha = workspace.commit_paths(pull.head_ref, files, message)
    workspace.push(pull.head_ref, fast_forward_only=True)
    url = gateway.commit_url(sha)
    line = revision_text.entry(pull.body, request, result, commit_url=url, sha=sha, files=files)
    gateway.edit_pull_body(pull.number, revision_text.with_revision(pull.body, line))
    gateway.comment(pull.number, revision_text.REVISED.substitute(url=url))
    return url
