"""Writing trajectories (workers/loop/trajectory.py): scrubbed, atomically, under BOT_DATA_DIR/trajectories
/<repository>/<job>.json, or where `fix --trajectory FILE` asks; and the retention sweep that runs as a job
writes, so no separate timer has to exist for old records to go."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.settings import Settings
from core.trajectory_paths import record_path, trajectories_dir
from workers.loop.trajectory import Trajectory

log = logging.getLogger("codellama.trajectory")

DAY_S = 24 * 3600


def write_trajectory(record: Trajectory, path: Path, scrub: Callable[[str], str]) -> None:
    """Write the record scrubbed (every string in it, so a secret is masked whatever JSON escaping it
    would get) to a temporary file beside `path`, then rename it there: a reader sees all or nothing."""
    text = json.dumps(scrubbed_record(record, scrub), indent=1, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def scrubbed_record(record: Trajectory, scrub: Callable[[str], str]) -> dict[str, Any]:
    """The record as it is written: every string scrubbed (a replay compares with a written record)."""
    scrubbed: dict[str, Any] = _scrubbed(record.to_json(), scrub)
    return scrubbed


def keep_trajectory(settings: Settings, record: Trajectory, scrub: Callable[[str], str]) -> Path | None:
    """Write the job's record under BOT_DATA_DIR and sweep out expired ones. A full or read-only disk is
    logged, never the end of the job: the record is for operators, the repair is for the user."""
    path = record_path(settings, record.repository or record.request.get("repository", "unknown"), record.job)
    try:
        write_trajectory(record, path, scrub)
        sweep(trajectories_dir(settings), settings.trajectory_retention_days)
    except OSError as exc:
        log.warning("trajectory of job %s not written to %s: %s", record.job, path, exc)
        return None
    return path


def sweep(root: Path, retention_days: float, now: float | None = None) -> int:
    """Delete records last written more than `retention_days` ago, and repository directories left empty;
    return how many records went. Files vanishing meanwhile (another worker sweeping) are fine."""
    cutoff = (time.time() if now is None else now) - retention_days * DAY_S
    removed = 0
    for path in root.glob("*/*.json"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    for directory in root.glob("*"):
        with contextlib.suppress(OSError):  # not empty, or gone
            directory.rmdir()
    return removed


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, scrub) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, scrub) for item in value]
    return value


@contextmanager
def recording(record: Trajectory, write: Callable[[Trajectory], object]) -> Iterator[Trajectory]:
    """Write `record` however the job ends: a job that raises is recorded as interrupted, with why."""
    try:
        yield record
    except BaseException as exc:
        record.ended({"status": "interrupted", "reason": f"{type(exc).__name__}: {exc}"})
        raise
    finally:
        write(record)
