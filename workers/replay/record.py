"""Reading a trajectory file for a replay: the parts the replay needs, checked, or one line saying why not.

A trajectory is a file someone hands us: it may be missing, not JSON, the wrong JSON, from a newer
codellama-bot, or edited. Each of these is a UsageError naming the file, never a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import UsageError
from workers.loop.trajectory import VERSION

MAX_FILE_BYTES = 64 * 1024 * 1024  # the writer caps its text at 8M characters; JSON escaping adds some


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RecordedAnswer(_Shape):
    text: str
    generated_tokens: int = Field(ge=0)
    prompt_tokens: int | None = None
    duration_s: float = 0.0
    finish_reason: str = "unknown"
    seed: int | None = None


class RecordedRound(_Shape):
    round: int = Field(ge=1)
    prompt: str
    # A round the job was stopped in (interrupted, a model failure) has no answers or candidates.
    answers: list[RecordedAnswer] = []
    candidates: list[dict[str, Any]] = []


class RecordedTask(_Shape):
    repository: str
    task_text: str
    query_text: str
    test_command: str
    require_failure: bool
    ci_log_text: str = ""
    isolated_candidates: bool = True
    had_prior_evidence: bool = False


class RecordedModelFacts(_Shape):
    max_input_tokens: int | None = Field(default=None, ge=1)
    max_total_tokens: int | None = Field(default=None, ge=1)


class Recording(_Shape):
    """The parts of a trajectory (workers/loop/trajectory.py) a replay reads; `raw` is the whole record."""

    version: int
    kind: str
    job: str
    # A full commit id: it is passed to git, so nothing that could read as an option gets through.
    commit: str
    request: dict[str, Any]
    config: dict[str, Any]
    task: RecordedTask
    model: RecordedModelFacts = RecordedModelFacts()
    token_counts: dict[str, int] = {}
    rounds: list[RecordedRound]
    outcome: dict[str, Any]
    raw: dict[str, Any] = {}

    @field_validator("commit")
    @classmethod
    def _full_commit_id(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", value):
            raise ValueError("expected a full commit id (40 or 64 hex digits)")
        return value


def load_recording(path: Path) -> Recording:
    """The trajectory at `path`, checked; UsageError saying what is wrong with it otherwise."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{path} is larger than a trajectory can be ({MAX_FILE_BYTES} bytes)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist; pass the trajectory's JSON file") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory; pass the trajectory's JSON file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not text (UTF-8); pass the trajectory's JSON file") from None
    except OSError as exc:
        raise UsageError(f"{path} cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not JSON ({exc.msg} at line {exc.lineno}); pass a trajectory") from None
    except RecursionError:
        raise UsageError(f"{path} is not a trajectory: its JSON is nested too deep") from None
    return recording_of(data, str(path))


def recording_of(data: Any, where: str) -> Recording:
    """`data` (parsed JSON) as a Recording; UsageError naming `where` and the first wrong field."""
    if not isinstance(data, dict) or "version" not in data or "rounds" not in data:
        raise UsageError(f"{where} is not a codellama-bot trajectory (no version and rounds in it)")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise UsageError(f"{where}: version must be a whole number, not {version!r:.40}")
    if version > VERSION:
        raise UsageError(
            f"{where} was written by a newer codellama-bot (trajectory version {version}; this one reads up "
            f"to {VERSION}); replay it with that version"
        )
    if "task" not in data:
        raise UsageError(
            f"{where} was written before replays were possible (it does not record the task); "
            "run the job again to get a trajectory that can be replayed"
        )
    try:
        recording = Recording.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        field = ".".join(map(str, first["loc"])) or "the record"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise UsageError(
            f"{where} is not a trajectory that can be replayed: {field}: {first['msg']}{more}"
        ) from None
    return recording.model_copy(update={"raw": data})
