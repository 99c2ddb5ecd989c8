"""`codellama-bot jobs [--state S] [--repo OWNER/NAME]` lists the jobs list's rows (core/job_registry.py);
`codellama-bot cancel JOB` ends one job the way `/codellama stop` does."""

from __future__ import annotations

import argparse
import re
import time

from bot import redis_conn
from bot.exits import FAILED, OK, say
from bot.job_memory import RedisJobMemory
from core.job_registry import STATES, JobRecord, JobRegistry
from core.settings import Settings

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
# A row's text can hold an error message: no tab, newline or terminal escape may break a line or the terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _repository(text: str) -> str:
    if not _REPO.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not OWNER/NAME")
    return text


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", choices=STATES, help="only jobs in this state")
    parser.add_argument("--repo", type=_repository, metavar="OWNER/NAME", help="only this repository's jobs")


def add_cancel_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", help="the job's id (a delivery id, as `codellama-bot jobs` lists it)")


def age(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)}s"
    if seconds < 7200:
        return f"{int(seconds // 60)}m"
    if seconds < 172800:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def row_line(row: JobRecord, now: float) -> str:
    """One tab-separated line: id, state, phase (or outcome), repository#number, age, spend, links."""
    where = row.repository + (f"#{row.number}" if row.number is not None else "")
    status = row.outcome if row.state == "done" else (row.phase or "-")
    spend = f"{row.tokens} tokens, {row.rounds} rounds"
    fields = [row.id, row.state, status, where, age(row.age_s(now)), spend, " ".join(row.links)]
    return "\t".join(_CONTROL.sub(" ", field) for field in fields)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    client = redis_conn.connect(settings.redis_url)
    try:
        rows = JobRegistry.for_settings(client, settings).recent(state=args.state, repository=args.repo)
    except redis_conn.UNAVAILABLE as exc:
        say(redis_conn.outage(settings.redis_url, exc))
        return FAILED
    now = time.time()
    print("\t".join(["ID", "STATE", "PHASE/OUTCOME", "REPOSITORY", "AGE", "SPEND", "LINKS"]))
    for row in rows:
        print(row_line(row, now))
    return OK


def run_cancel(args: argparse.Namespace, settings: Settings) -> int:
    client = redis_conn.connect(settings.redis_url)
    try:
        row = JobRegistry.for_settings(client, settings).get(args.job)
        if row is None:
            days = f"{settings.trajectory_retention_days:g}"
            say(f"no job {args.job!r} in the jobs list (it keeps jobs {days} days); see `codellama-bot jobs`")
            return FAILED
        if row.state == "done":
            say(f"job {row.id} has already ended ({row.outcome or 'done'}); nothing to cancel")
            return FAILED
        RedisJobMemory(client, settings.dedupe_ttl_s).cancel(row.id)
    except redis_conn.UNAVAILABLE as exc:
        say(redis_conn.outage(settings.redis_url, exc))
        return FAILED
    where = f"{row.repository}#{row.number}" if row.number is not None else f"{row.repository}, CI"
    print(f"job {row.id} ({where}, {row.state}) will stop within seconds")
    return OK
