"""The one settings object, read from the environment once at start-up and passed in."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.endpoint_urls import parse_endpoint_urls
from core.errors import ConfigurationError

# The names of the edit formats (workers/edits/formats.py registers one class under each). They live here,
# below workers/, so that a bad EDIT_FORMAT stops start-up naming the valid ones; the registry refuses to
# load unless it holds exactly these names.
EditFormatName = Literal["search_replace", "unified_diff", "whole_file"]
EDIT_FORMAT_NAMES: tuple[str, ...] = get_args(EditFormatName)
LogFormat = Literal["text", "json"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    """Every knob the bot has. Field names map to upper-case environment variables."""

    # An empty value counts as unset, so `GITHUB_PRIVATE_KEY=` in .env does not hide GITHUB_PRIVATE_KEY_PATH.
    # The .env file is read by load_settings (pydantic's parser), never sourced by a shell.
    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    # GitHub App identity. Only the webhook secret is needed by the receiver; workers need the key.
    github_app_id: int | None = None
    github_private_key: SecretStr | None = None
    github_private_key_path: Path | None = None
    github_webhook_secret: SecretStr | None = None
    # The receiver's read-only /jobs page answers only `Authorization: Bearer <this>`; unset, it is off (404).
    operator_token: SecretStr | None = None
    # The receiver's GET /metrics and the worker's metrics port answer only `Authorization: Bearer <this>`
    # when it is set; unset, they are open (Prometheus scraping over a private network).
    metrics_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    # PyGithub spaces requests out to respect GitHub's secondary rate limits; stand-ins set these to 0.
    github_seconds_between_requests: float = 0.25
    github_seconds_between_writes: float = 1.0
    # The job's Check Run is edited at most once per this many seconds (its last state is always written).
    github_check_run_interval_s: float = Field(default=5.0, ge=0)
    # The login GitHub gives the App's own comments and commits, e.g. "codellama-bot[bot]".
    bot_login: str = "codellama-bot[bot]"
    # The word addressing the bot at the start of a comment; a subcommand (fix, retry, stop, help) follows.
    command_prefix: str = "/codellama"

    # Logs on stderr: `json` is one object per line (core/logs.py). HTTP clients' request lines show only
    # at DEBUG.
    log_format: LogFormat = "text"
    log_level: LogLevel = "INFO"

    redis_url: str = "redis://localhost:6379/0"
    # How long `serve` and `worker` wait for Redis at start before they exit naming REDIS_URL.
    redis_wait_s: float = Field(default=30.0, ge=0)
    celery_queue: str = "codellama-repairs"
    # Workers publish task events (received, started, succeeded, failed, retried) for Flower and
    # `celery events`; off, Flower's Tasks page stays empty.
    celery_task_events: bool = True
    # One model server, or several replicas separated by commas (inference/endpoints.py balances them).
    tgi_url: str = "http://localhost:8080"
    # A replica that fails a request or its health check gets no request for this long (doubling per
    # failure in a row, up to 10x).
    tgi_endpoint_backoff_s: float = Field(default=30.0, gt=0)
    # With several replicas, each is checked (GET /health) this often in the background: one that fails is
    # taken out, one that passes again is back (inference/endpoint_probe.py).
    tgi_health_interval_s: float = Field(default=10.0, gt=0)
    tgi_timeout_s: float = 120.0
    tgi_retries: int = 4
    tgi_backoff_base_s: float = 1.0

    bot_workdir: Path = Path("/tmp/codellama-bot")
    # Where what outlives a job is kept (trajectories: workers/trajectory_store.py); BOT_WORKDIR/data unset.
    bot_data_dir: Path | None = None
    # Trajectories older than this many days are deleted when a job writes its own; the jobs list
    # (core/job_registry.py) keeps its rows as long.
    trajectory_retention_days: float = Field(default=30.0, gt=0)
    bot_max_iterations: int = Field(default=4, ge=1, le=20)
    # How many times one head SHA may trigger a CI repair before the bot stops trying.
    bot_max_attempts_per_sha: int = Field(default=1, ge=1)
    bot_branch_prefix: str = "codellama/"
    # Per repository and UTC day (workers/github/cost_guards.py); a repository's config may lower them.
    daily_job_budget: int = Field(default=100, ge=1)
    daily_token_budget: int = Field(default=20_000_000, ge=1)
    # Automatic CI repairs in a repository pause after this many give-ups in a row.
    auto_give_ups_before_pause: int = Field(default=3, ge=1)

    # Model budget: Code Llama was fine-tuned on 16,384-token sequences.
    model_context_tokens: int = 16384
    max_new_tokens: int = 2048
    temperature: float = 0.8
    top_p: float = 0.95
    candidates: int = Field(default=4, ge=1, le=16)
    # How the prompt asks for edits; every format is read whatever is asked (workers/edits/formats.py).
    edit_format: EditFormatName = "search_replace"
    # Per-job repair budgets: the loop stops before a round that would start past any of them and
    # reports what it spent. The wall budget stays below JOB_TIME_LIMIT_S so the job can still report.
    repair_token_budget: int = Field(default=400_000, ge=1)
    repair_time_budget_s: float = Field(default=2400.0, gt=0)
    # Candidates tested at once, each in its own worktree and sandbox.
    worker_cpus: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    # The worker serves Prometheus metrics on this port (0: not at all), summed over its pool processes.
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)

    # Repository code (setup and tests) limits.
    test_timeout_s: float = 600.0
    setup_timeout_s: float = 900.0
    test_output_limit_bytes: int = 2_000_000
    test_memory_limit_mb: int = 4096
    # Shared by every concurrent sandboxed run on the host: RLIMIT_NPROC counts per uid.
    # Enough for a suite with a worker pool, and a fork bomb stops there.
    test_max_procs: int = 256
    # Larger than any file a test suite should write.
    test_max_file_mb: int = 1024
    sandbox: bool = True
    allow_unsandboxed: bool = False
    setup_network: bool = True
    # pip, npm, Go, Cargo and Maven caches kept per repository under data_dir()/caches (never for a fork's
    # pull request): a repository's second set-up downloads and builds less (runners/dependency_caches.py).
    dependency_caches: bool = True

    job_time_limit_s: int = 3600
    # A job's lease: its worker renews it every sixth of this while the job runs (workers/queue/job_lease.py),
    # so only a dead worker's job lapses, and another worker takes it up within about this long.
    celery_visibility_timeout_s: int = Field(default=60, ge=6)
    job_lock_ttl_s: float = Field(default=30.0, gt=0)
    dedupe_ttl_s: int = 7 * 24 * 3600
    # Jobs running at once on one repository, across every worker; one more waits in the queue
    # (workers/queue/repo_slots.py).
    repo_concurrency: int = Field(default=2, ge=1)
    # GitHub caps webhook payloads at 25 MB; a bigger body is refused (413) before it is read whole.
    webhook_max_body_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("tgi_url")
    @classmethod
    def _tgi_urls_well_formed(cls, value: str) -> str:
        try:
            parse_endpoint_urls(value)
        except ValueError as exc:
            raise ValueError(f"TGI_URL: {exc}") from None
        return value

    def tgi_urls(self) -> tuple[str, ...]:
        return parse_endpoint_urls(self.tgi_url)

    @model_validator(mode="after")
    def _key_sources_exclusive(self) -> Settings:
        if self.github_private_key and self.github_private_key_path:
            raise ConfigurationError("set GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, not both")
        return self

    def metrics_bearer(self) -> str | None:
        """The token GET /metrics asks for, or None when it is open."""
        token = self.metrics_token.get_secret_value() if self.metrics_token is not None else ""
        return token or None

    def data_dir(self) -> Path:
        return self.bot_data_dir if self.bot_data_dir is not None else self.bot_workdir / "data"

    def private_key_pem(self) -> str:
        """The App's private key as PEM text, from whichever setting holds it."""
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        if self.github_private_key_path is not None:
            try:
                return self.github_private_key_path.read_text()
            except OSError as exc:
                raise ConfigurationError(
                    f"GITHUB_PRIVATE_KEY_PATH={self.github_private_key_path} cannot be read: {exc.strerror}"
                ) from exc
        raise ConfigurationError("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set")

    def require(self, *names: str) -> None:
        """Fail start-up with a message naming every missing required setting."""
        missing = []
        for name in names:
            if name == "github_private_key":
                if self.github_private_key is None and self.github_private_key_path is None:
                    missing.append("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH")
            elif getattr(self, name) in (None, ""):
                missing.append(name.upper())
        if missing:
            raise ConfigurationError("missing required setting(s): " + ", ".join(missing))

    def secret_values(self) -> list[str]:
        """Values that must never reach a subprocess of the repository under repair, or a log."""
        values = []
        secrets = (
            self.github_private_key,
            self.github_webhook_secret,
            self.operator_token,
            self.metrics_token,
        )
        for secret in secrets:
            if secret is not None:
                values.append(secret.get_secret_value())
        if self.github_private_key_path is not None:
            # Start-up names an unreadable key file; until it can be read there is nothing to scrub.
            with contextlib.suppress(OSError):
                values.append(self.github_private_key_path.read_text(errors="replace"))
        return [v for v in values if v]


# Which dotenv file load_settings reads (default .env in the working directory; /dev/null for none).
ENV_FILE_VARIABLE = "CODELLAMA_ENV_FILE"


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and .env) once; callers pass the result down instead of reading it again.
    Variables already in the environment win over the file."""
    env_file = os.environ.get(ENV_FILE_VARIABLE) or ".env"
    chosen = None if env_file == os.devnull else env_file
    if chosen is not None and os.environ.get(ENV_FILE_VARIABLE) and not Path(chosen).is_file():
        raise ConfigurationError(f"{ENV_FILE_VARIABLE}={chosen} is not a file")
    return Settings(_env_file=chosen, **overrides)  # type: ignore[arg-type,call-arg]
