"""Turning a repair request into a repair task: what to fix, on which branch, with what evidence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.errors import JobFailed
from core.jobs import RepairRequest
from inference import prompts
from workers.checkout.ci_plan import PULL_REQUEST_WORKFLOWS, CiFailure, FailedJob
from workers.evidence import Evidence, parse_log
from workers.github import revision_text
from workers.github.gateway import PullInfo, RepoGateway
from workers.loop.text_caps import (
    BODY_CHARS,
    DIFF_FILES_MAX,
    INSTRUCTIONS_CHARS,
    REVIEW_COMMENTS_MAX,
    TITLE_CHARS,
    capped,
)


@dataclass(frozen=True)
class Target:
    """Where the fix starts from and where its pull request goes."""

    checkout_ref: str
    base_branch: str
    task_text: str
    query_text: str
    link_line: str
    comment_on: int | None
    require_failure: bool
    ci_logs: tuple[str, ...] = ()
    # The bot's own pull request this job revises: a new commit on its branch, never a pull request.
    revision: PullInfo | None = None
    # The commit the job's Check Run goes on: CI's failing head, a pull request's head; an issue has none.
    check_sha: str | None = None
    # A fork's pull request: the App cannot push there, so the fix is offered as review suggestions on it.
    fork_pull: PullInfo | None = None
    fetch_ref: str = ""  # what a clone does not bring: a fork's head, under refs/pull/{n}/head
    # Where CI's own commands are: the red run's workflow file and failed steps, or (for a command) the
    # workflows that run on pull requests; None for CI that is not Actions.
    ci: CiFailure | None = PULL_REQUEST_WORKFLOWS


def _from_fork(target: Target, pull: PullInfo) -> Target:
    """Checked out at the head the job was asked about, from the base repository's copy of the fork's
    commits; `base_branch` is where the pull request goes, so auto_fix_ci's branch globs mean the same."""
    return replace(
        target,
        fetch_ref=f"refs/pull/{pull.number}/head",
        base_branch=pull.base_ref,
        comment_on=pull.number,
        fork_pull=pull,
    )


def target_for(request: RepairRequest, gateway: RepoGateway, bot_branch_prefix: str) -> Target:
    if request.kind == "issue":
        return _issue_target(request, gateway, bot_branch_prefix)
    target = _ci_target(request, gateway)
    if not request.head_repo or request.head_repo == gateway.full_name:
        return target
    # GitHub sends no pull request numbers for a run on a fork's head: found by that head instead.
    branch = request.head_branch or ""
    number = request.pull_numbers[0] if request.pull_numbers else None
    pull = gateway.pull(number) if number else gateway.pull_from(request.head_repo, branch)
    if pull is None:
        where = f"{request.head_repo}:{branch}"
        raise JobFailed(f"no open pull request comes from {where}, so there is nowhere to offer a fix")
    return _from_fork(target, pull)


def _issue_target(request: RepairRequest, gateway: RepoGateway, bot_branch_prefix: str) -> Target:
    number = request.issue_number or 0
    issue = gateway.issue(number)
    base = gateway.default_branch
    fork: PullInfo | None = None
    check_sha = None
    if request.is_pull_request:
        pull = gateway.pull(number)
        if pull.head_repo != gateway.full_name:
            fork = pull
        elif pull.head_ref.startswith(bot_branch_prefix):
            return _revision_target(request, gateway, pull)
        base, check_sha = pull.head_ref, pull.head_sha
    # Issue text is anyone's input: capped before it reaches a prompt, with a marker saying so.
    title = capped(issue.title, TITLE_CHARS, "title")
    body = capped(issue.body, BODY_CHARS, "issue body")
    asked = capped(request.instructions, INSTRUCTIONS_CHARS, "instructions")
    instructions = (
        prompts.render(prompts.INSTRUCTIONS, user=request.requested_by, text=asked) if asked else ""
    )
    task = prompts.render(
        prompts.TASK_ISSUE,
        number=number,
        title=title,
        body=body or "(no description)",
        instructions=instructions,
    )
    link = f"Fixes #{number}." if not request.is_pull_request else f"Requested in #{number}."
    target = Target(
        checkout_ref=fork.head_sha if fork else base,
        base_branch=base,
        task_text=task,
        query_text="\n".join((title, body, asked)),
        link_line=link,
        comment_on=number,
        require_failure=False,
        check_sha=check_sha,
    )
    return _from_fork(target, fork) if fork else target


def _revision_target(request: RepairRequest, gateway: RepoGateway, pull: PullInfo) -> Target:
    """The bot's own pull request, revised on its branch from the head it has now: a branch that moves
    meanwhile makes the push fail rather than overwrite someone's commit."""
    notes = gateway.review_notes(pull.number, REVIEW_COMMENTS_MAX)
    files = gateway.changed_files(pull.number, DIFF_FILES_MAX)
    return Target(
        checkout_ref=pull.head_sha,
        base_branch=pull.head_ref,
        task_text=revision_text.task_text(request, pull, notes, files),
        query_text=revision_text.query_text(request, pull, notes),
        link_line="",
        comment_on=pull.number,
        require_failure=False,
        revision=pull,
    )


def _ci_target(request: RepairRequest, gateway: RepoGateway) -> Target:
    ci: CiFailure | None = None
    if request.workflow_run_id:
        run = gateway.failed_run(request.workflow_run_id)
        logs = run.logs
        ci = CiFailure(run.path, tuple(FailedJob(log.name, log.failed_step) for log in logs))
    elif request.check_suite_id:
        logs = gateway.failed_check_outputs(request.check_suite_id)
    else:
        raise JobFailed("a CI repair needs a workflow run or a check suite")
    branch, sha = request.head_branch or "", request.head_sha or ""
    task = prompts.render(prompts.TASK_CI, branch=branch, sha=sha[:12])
    return Target(
        checkout_ref=sha,
        base_branch=branch,
        task_text=task,
        query_text="\n".join(log.text[-4000:] for log in logs),
        link_line=f"CI failed on `{branch}` at {sha[:7]}.",
        comment_on=request.pull_numbers[0] if request.pull_numbers else None,
        require_failure=True,
        ci_logs=tuple(log.text for log in logs),
        check_sha=sha,
        ci=ci,
    )


def ci_evidence(target: Target, repo_root: Path | None, repo_name: str) -> Evidence | None:
    """Failures the CI logs name, merged across the failed jobs."""
    merged: Evidence | None = None
    for text in target.ci_logs:
        evidence = parse_log(text, repo_root=repo_root, repo_name=repo_name)
        if merged is None:
            merged = evidence
        else:
            merged.failures.extend(evidence.failures)
    return merged
