"""Redis keys that the receiver and the workers share: per issue or pull request, and per commit."""

from __future__ import annotations


def last_job_key(repo_full_name: str, number: int) -> str:
    """The last RepairRequest queued for this issue or pull request (for `/codellama retry` and `stop`)."""
    return f"codellama:last-job:{repo_full_name}#{number}"


def stop_key(repo_full_name: str, number: int) -> str:
    """The delivery id of the job `/codellama stop` asked to end; only that job ends, a later one runs."""
    return f"codellama:stop:{repo_full_name}#{number}"


def cancel_key(job_id: str) -> str:
    """Set by `codellama-bot cancel JOB`: this one job ends, whatever asked for it (a command or red CI)."""
    return f"codellama:cancel:{job_id}"


def commit_job_key(repo_full_name: str, head_sha: str) -> str:
    """The RepairRequest whose Check Run is on this commit (written by the worker): a "Re-run" or the
    check's Retry button runs it again."""
    return f"codellama:check-job:{repo_full_name}@{head_sha}"
