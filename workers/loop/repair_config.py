"""One repair configuration: the budgets, the sampling, the edit format and the edit policy of a job.

Built once, from the settings and the repository's `.github/codellama.yml`, then handed down unchanged: the
loop, the round's judge and the budget check all read this one object rather than copies of its fields.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.settings import Settings
from workers.checkout.repo_config import RepoConfig
from workers.edits import EditFormat, EditPolicy, get_format


def _format(value: Any) -> Any:
    # A name (from the settings or a test) becomes the format object; an unknown one is refused by name.
    return get_format(value) if isinstance(value, str) else value


class RepairConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    # No defaults: the settings hold them (core/settings.py), and repair_config() is the one way in.
    max_rounds: int = Field(ge=1)
    candidates: int = Field(ge=1)
    max_tokens: int = Field(ge=1)  # prompt plus generated, over the whole job
    wall_s: float = Field(gt=0)
    cpus: int = Field(ge=1)
    context_tokens: int
    max_new_tokens: int
    temperature: float
    top_p: float
    test_timeout_s: float
    output_limit: int
    edit_format: Annotated[EditFormat, BeforeValidator(_format)]
    edit_policy: EditPolicy


def repair_config(settings: Settings, repo: RepoConfig | None = None, **overrides: Any) -> RepairConfig:
    """The job's configuration; `overrides` (the benchmark's k and rounds) replace settings by field name."""
    repo = repo or RepoConfig()
    fields: dict[str, Any] = {
        # The repository may ask for less than the operator allows, never more.
        "max_rounds": min(settings.bot_max_iterations, repo.max_rounds or settings.bot_max_iterations),
        "candidates": min(settings.candidates, repo.candidates or settings.candidates),
        "max_tokens": settings.repair_token_budget,
        "wall_s": settings.repair_time_budget_s,
        "cpus": settings.worker_cpus,
        "context_tokens": settings.model_context_tokens,
        "max_new_tokens": settings.max_new_tokens,
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        "test_timeout_s": settings.test_timeout_s,
        "output_limit": settings.test_output_limit_bytes,
        "edit_format": settings.edit_format,
        "edit_policy": EditPolicy(protected_globs=repo.protected, allow_test_edits=repo.allow_test_edits),
    }
    return RepairConfig(**{**fields, **overrides})
