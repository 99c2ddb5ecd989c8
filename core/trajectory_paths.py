"""Where a job's trajectory is kept under BOT_DATA_DIR: the worker writes it there
(workers/trajectory_store.py) and the receiver's /jobs page reads it, so both take the path from here."""

from __future__ import annotations

import re
from pathlib import Path

from core.settings import Settings


def trajectories_dir(settings: Settings) -> Path:
    return settings.data_dir() / "trajectories"


def record_path(settings: Settings, repository: str, job: str) -> Path:
    """Where a job's record is kept: one directory per repository, one file per job."""
    return trajectories_dir(settings) / safe_name(repository) / f"{safe_name(job)}.json"


def safe_name(name: str) -> str:
    # owner/name becomes owner_name: one level per repository, and no path can climb out of the root.
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "_"
