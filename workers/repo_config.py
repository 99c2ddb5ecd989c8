"""`.github/codellama.yml`: a repository's own setup and test commands and its protected paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from core.errors import JobFailed

CONFIG_PATH = ".github/codellama.yml"


@dataclass(frozen=True)
class RepoConfig:
    setup: tuple[str, ...] = ()
    test: str | None = None
    protected: tuple[str, ...] = ()


def load_repo_config(repo_root: Path) -> RepoConfig:
    path = repo_root / CONFIG_PATH
    if not path.is_file():
        return RepoConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise JobFailed(f"{CONFIG_PATH} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise JobFailed(f"{CONFIG_PATH} must be a mapping with keys setup, test, protected")
    unknown = set(data) - {"setup", "test", "protected"}
    if unknown:
        raise JobFailed(f"{CONFIG_PATH} has unknown keys {sorted(unknown)}; known: setup, test, protected")
    setup = data.get("setup") or ()
    if isinstance(setup, str):
        setup = (setup,)
    test = data.get("test")
    protected = data.get("protected") or ()
    if not all(isinstance(s, str) for s in setup) or (test is not None and not isinstance(test, str)):
        raise JobFailed(f"{CONFIG_PATH}: setup must be a command or a list of commands, test a command")
    if not all(isinstance(p, str) for p in protected):
        raise JobFailed(f"{CONFIG_PATH}: protected must be a list of path globs")
    return RepoConfig(setup=tuple(setup), test=test, protected=tuple(protected))
