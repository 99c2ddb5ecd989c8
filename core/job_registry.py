"""One row per job in Redis: its state (queued, running, done), phase, repository, spend and links.

The receiver writes the row when it queues the job, the worker as the job starts, changes phase and ends;
`codellama-bot jobs` and the receiver's /jobs page read it. Each row is a hash under its own key, listed in
one sorted set by the time it was queued; rows go after the retention or beyond MAX_KEPT, whichever first.
Writes never raise (the row is for operators, the repair is for the user); reads parse every field
defensively, since an older version, or a hand, may have written something else.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import redis

from core.jobs import DELIVERY_ID, RepairRequest
from core.settings import Settings

log = logging.getLogger("codellama.jobs")

State = Literal["queued", "running", "done"]
STATES: tuple[str, ...] = get_args(State)
INDEX_KEY = "codellama:jobs"
MAX_KEPT = 1000
# Job ids are GitHub delivery ids (GUIDs); anything else is refused before it becomes a key or a path.
JOB_ID = DELIVERY_ID


def job_key(job_id: str) -> str:
    return f"codellama:job:{job_id}"


def valid_job_id(job_id: str) -> bool:
    return JOB_ID.fullmatch(job_id) is not None


@dataclass(frozen=True)
class JobRecord:
    id: str
    state: str = "queued"
    phase: str = ""
    repository: str = ""
    kind: str = ""
    number: int | None = None
    queued_at: float = 0.0
    updated_at: float = 0.0
    outcome: str = ""
    detail: str = ""
    tokens: int = 0
    rounds: int = 0
    links: tuple[str, ...] = field(default_factory=tuple)

    def age_s(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.queued_at)


def html_root(api_url: str) -> str:
    """GitHub's web address for its API's: api.github.com is github.com, GHES's /api/v3 is its host."""
    root = api_url.rstrip("/")
    if root == "https://api.github.com":
        return "https://github.com"
    return root.removesuffix("/api/v3")


def request_links(request: RepairRequest, api_url: str) -> list[str]:
    """Where on GitHub the job was asked for: its issue or pull request, or the failing commit's checks."""
    base = f"{html_root(api_url)}/{request.repo_full_name}"
    if request.issue_number is not None:
        return [f"{base}/issues/{request.issue_number}"]  # GitHub redirects a pull request's number
    if request.head_sha:
        return [f"{base}/commit/{request.head_sha}/checks"]
    return []


class JobRegistry:
    """The rows, in one Redis; `retention_s` is how long a row lives after its last write."""

    def __init__(self, client: redis.Redis, retention_s: float, max_kept: int = MAX_KEPT) -> None:
        self._redis = client
        self._ttl = max(1, int(retention_s))
        self._max = max_kept

    @classmethod
    def for_settings(cls, client: redis.Redis, settings: Settings) -> JobRegistry:
        """Rows kept as long as the trajectories the page shows beside them."""
        return cls(client, settings.trajectory_retention_days * 24 * 3600)

    @property
    def ttl_s(self) -> int:
        return self._ttl

    @property
    def max_kept(self) -> int:
        return self._max

    def queued(self, request: RepairRequest, links: list[str]) -> None:
        """The job's row, as it is queued. The steps are written twice: bot/dedupe.py's Redis script writes
        a CI failure's row in the same round trip as its message, from these same fields (queued_fields,
        row_values, ttl_s, max_kept), but repeats _write's HSET, EXPIRE and ZADD in Lua and trims the list
        by count only, leaving rows past the retention to their own expiry. tests/bot/test_job_row_writers.py
        checks that both rows agree; a change to the steps here belongs in that script too."""
        now = time.time()
        fields = queued_fields(request, links, now)
        self._write(request.delivery_id, fields, now, index_at=now)
        self._trim(now)

    def running(self, request: RepairRequest, links: list[str]) -> None:
        fields = _identity(request) | {"state": "running", "phase": "started", "links": links}
        self._write(request.delivery_id, fields, time.time())

    def phase(self, job_id: str, phase: str, *, tokens: int | None = None, rounds: int | None = None) -> None:
        fields: dict[str, Any] = {"phase": phase}
        if tokens is not None:
            fields["tokens"] = tokens
        if rounds is not None:
            fields["rounds"] = rounds
        self._write(job_id, fields, time.time())

    def requeued(self, job_id: str, why: str) -> None:
        """Back in the queue (a retry, a hand-back): it runs again later."""
        self._write(job_id, {"state": "queued", "phase": why}, time.time())

    def done(
        self, job_id: str, outcome: str, detail: str, *, tokens: int, rounds: int, links: list[str]
    ) -> None:
        fields: dict[str, Any] = {"state": "done", "phase": "", "outcome": outcome, "detail": detail[:2000]}
        fields |= {"tokens": tokens, "rounds": rounds, "links": links}
        self._write(job_id, fields, time.time())

    def _write(self, job_id: str, fields: dict[str, Any], now: float, index_at: float | None = None) -> None:
        values = row_values(job_id, fields, now)
        key = job_key(job_id)
        try:
            pipe = self._redis.pipeline()
            pipe.hset(key, mapping=values)  # type: ignore[arg-type]
            pipe.hsetnx(key, "queued_at", str(now))  # a row that lapsed meanwhile gets an age again
            pipe.expire(key, self._ttl)
            # A row written after its index entry was trimmed (a job queued long ago) is listed again.
            pipe.zadd(INDEX_KEY, {job_id: index_at or now}, nx=index_at is None)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("job %s: its row in the jobs list was not written: %s", job_id, exc)

    def _trim(self, now: float) -> None:
        try:
            old = self._redis.zrangebyscore(INDEX_KEY, "-inf", now - self._ttl)
            over = self._redis.zrange(INDEX_KEY, 0, -(self._max + 1))
            gone = {_text(i) for i in [*old, *over]}
            if gone:
                self._redis.delete(*(job_key(i) for i in gone))
                self._redis.zrem(INDEX_KEY, *gone)
        except redis.RedisError as exc:
            log.warning("old rows of the jobs list were not trimmed: %s", exc)

    def get(self, job_id: str) -> JobRecord | None:
        """The row, or None when there is none (or the id could not be one). Raises redis errors."""
        if not valid_job_id(job_id):
            return None
        return parse_record(job_id, self._redis.hgetall(job_key(job_id)))

    def recent(self, *, state: str | None = None, repository: str | None = None) -> list[JobRecord]:
        """The rows kept, newest first, optionally only one state's or repository's. Raises redis errors."""
        ids = [_text(i) for i in self._redis.zrevrange(INDEX_KEY, 0, self._max - 1)]
        pipe = self._redis.pipeline()
        for job_id in ids:
            pipe.hgetall(job_key(job_id))
        rows = [parse_record(i, raw) for i, raw in zip(ids, pipe.execute(), strict=True)]
        return [
            r
            for r in rows
            if r is not None
            and (state is None or r.state == state)
            and (repository is None or r.repository.casefold() == repository.casefold())
        ]


def queued_fields(request: RepairRequest, links: list[str], now: float) -> dict[str, Any]:
    """A queued job's row. The receiver's event loop writes the same fields in its one Redis script
    (bot/dedupe.py), through row_values."""
    return _identity(request) | {"state": "queued", "phase": "", "queued_at": now, "links": links}


def row_values(job_id: str, fields: dict[str, Any], now: float) -> dict[str, str]:
    """The hash fields as stored: lists as JSON, the rest as text, with the id and the time of writing."""
    values = {k: json.dumps(v) if isinstance(v, list) else str(v) for k, v in fields.items()}
    return values | {"id": job_id, "updated_at": str(now)}


def _identity(request: RepairRequest) -> dict[str, Any]:
    number = request.issue_number if request.issue_number is not None else ""
    return {"repository": request.repo_full_name, "kind": request.kind, "number": number}


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def parse_record(job_id: str, raw: dict[Any, Any]) -> JobRecord | None:
    """A row as read from Redis; a field that does not parse gets its default, an empty hash is None."""
    if not raw:
        return None
    data = {_text(k): _text(v) for k, v in raw.items()}
    state = data.get("state", "")
    return JobRecord(
        id=job_id,
        state=state if state in STATES else "queued",
        phase=data.get("phase", ""),
        repository=data.get("repository", ""),
        kind=data.get("kind", ""),
        number=_number(data.get("number"), int),
        queued_at=_number(data.get("queued_at"), float) or 0.0,
        updated_at=_number(data.get("updated_at"), float) or 0.0,
        outcome=data.get("outcome", ""),
        detail=data.get("detail", ""),
        tokens=_number(data.get("tokens"), int) or 0,
        rounds=_number(data.get("rounds"), int) or 0,
        links=_links(data.get("links")),
    )


def _number(text: str | None, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text) if text else None
    except ValueError:
        return None


def _links(text: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))
