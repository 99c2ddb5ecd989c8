"""A GitHub Actions workflow file read for the commands CI runs: the failed step's script, its working
directory and environment, and the install steps before it. Pure: text in, commands or a reason out.

The file is a stranger's: it is read within limits (workers/checkout/bounded_yaml.py), and nothing in it is
evaluated except `${{ matrix.NAME }}` with the failed job's own matrix values. Values that hold secrets or
the job's token are dropped; any other expression leaves the step unusable, with a reason.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from workers.checkout import bounded_yaml, workflow_matrix

# Any `${{ ... }}`; the one form evaluated is `${{ matrix.NAME }}`.
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
SECRET = re.compile(r"\$\{\{[^}]*\b(secrets\.|github\.token|secrets\[)", re.IGNORECASE)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A line of a `run:` script that installs what the tests need.
INSTALL = re.compile(
    r"^(?:python3?\s+-m\s+)?pip3?\s+install\b|^(?:npm|pnpm)\s+(?:ci|install|i)\b|^yarn(?:\s+install)?\s*(?:--\S+\s*)*$"
    r"|^poetry\s+install\b|^pipenv\s+install\b|^uv\s+(?:pip\s+install|sync)\b|^go\s+mod\s+download\b"
    r"|^cargo\s+fetch\b|^bundle\s+install\b|^mvn\b.*\bdependency:go-offline\b"
)
TESTISH = re.compile(
    r"\b(pytest|unittest|tox|nox|(?:npm|yarn|pnpm)\s+(?:run\s+)?test|jest|vitest|go\s+test|cargo\s+test"
    r"|mvn\b.*\b(?:test|verify)|gradlew?\b.*\btest|make\s+test|ctest|rspec|phpunit)\b"
)
SETUP_ACTION = re.compile(r"^actions/setup-(python|node|go|java)@")
VERSION_KEYS = {
    "python": "python-version",
    "node": "node-version",
    "go": "go-version",
    "java": "java-version",
}
# Safe to run as it stands, without a shell around it (and so narrowable by adding test ids).
PLAIN_COMMAND = re.compile(r"^[^;&|<>()$`\\'\"*?\[\]{}#~\n]+$")


class WorkflowUnusable(ValueError):
    """The workflow cannot give the test command; the message says why, in one line."""


@dataclass(frozen=True)
class ShellStep:
    """One `run:` step as it would run: the script, where, with what environment and shell."""

    script: str
    directory: str = ""  # relative to the checkout; "" is its root
    env: tuple[tuple[str, str], ...] = ()
    shell: str = "bash"  # "bash" (GitHub's default on Linux: bash -e) or "sh"

    def command_line(self, path_prefix: str = "") -> str:
        """One /bin/sh command line; `path_prefix` (a directory) goes first on PATH."""
        parts = [f'export PATH={shlex.quote(path_prefix)}:"$PATH"'] if path_prefix else []
        if self.directory:
            parts.append(f"cd -- {shlex.quote(self.directory)}")
        env = " ".join(shlex.quote(f"{k}={v}") for k, v in self.env)
        script = self.script.strip()
        if PLAIN_COMMAND.match(script):
            run = script
        else:
            shell = "bash -e" if self.shell == "bash" else "sh -e"
            run = f"{shell} -c {shlex.quote(script)}"
        parts.append(f"env {env} {run}" if env else run)
        return " && ".join(parts)


@dataclass(frozen=True)
class CiCommands:
    """The commands one workflow job gives: set-up lines from earlier steps, and the test step."""

    workflow: str
    job: str
    step: str
    test: ShellStep
    setup: tuple[ShellStep, ...] = ()
    # What `actions/setup-*` asked for ("python 3.11"), which this worker cannot install.
    tools: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    python: bool = False

    @property
    def origin(self) -> str:
        return f"CI: {self.workflow}, job `{self.job}`, step `{self.step}`"


def parse(text: str, path: str) -> dict[str, Any]:
    """The workflow as a mapping, or WorkflowUnusable naming the file."""
    try:
        data, _ = bounded_yaml.load(text)
    except bounded_yaml.BoundedYamlError as exc:
        raise WorkflowUnusable(f"{path}, {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise WorkflowUnusable(f"{path} has no `jobs:` mapping")
    return data


def commands_for_failure(text: str, path: str, job_name: str, step_name: str | None) -> CiCommands:
    """The commands of the failed job `job_name` (as the jobs API names it) at its step `step_name`."""
    data = parse(text, path)
    key, job, matrix = _find_job(data, path, job_name)
    steps = _steps(job, path, key)
    index = _find_step(steps, matrix, step_name, path, key)
    return _commands(data, path, key, job, matrix, steps, index)


def commands_for_pull_requests(text: str, path: str) -> CiCommands | None:
    """The test step of the first job (in file order) that looks like tests, if the workflow runs on pull
    requests; its first matrix combination."""
    data = parse(text, path)
    if not _runs_on_pull_requests(data):
        return None
    for key, job in data["jobs"].items():
        if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
            continue
        combos = _combinations(job, path, str(key))
        matrix = combos[0] if combos else {}
        steps = _steps(job, path, str(key))
        found = [i for i, s in enumerate(steps) if isinstance(s.get("run"), str) and TESTISH.search(s["run"])]
        if found:
            return _commands(data, path, str(key), job, matrix, steps, found[-1])
    return None


def _runs_on_pull_requests(data: dict[Any, Any]) -> bool:
    # YAML 1.1 reads the bare key `on` as true.
    events = data.get("on", data.get(True))
    if isinstance(events, str):
        events = [events]
    return isinstance(events, list | dict) and any(
        e in ("pull_request", "pull_request_target") for e in events
    )


def _find_job(data: dict[Any, Any], path: str, job_name: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The job the API's `job_name` is, and its matrix values: from the name when it shows them, else the
    first `include`, else the first combination."""
    fallback: tuple[str, dict[str, Any], dict[str, Any]] | None = None
    for key, job in data["jobs"].items():
        if not isinstance(job, dict):
            continue
        key = str(key)
        combos = _combinations(job, path, key)
        name = job.get("name")
        base = name if isinstance(name, str) else key
        for combo in combos or [{}]:
            if workflow_matrix.display_name(base, combo) == job_name:
                return key, job, combo
        plain = EXPRESSION.sub("", base).strip()
        if fallback is None and (job_name == base or job_name.split(" (")[0] == plain):
            fallback = key, job, workflow_matrix.first_include(job) or (combos[0] if combos else {})
    if fallback is None:
        raise WorkflowUnusable(f"no job of {path} is named `{bounded_yaml.shown(job_name)}`")
    return fallback


def _combinations(job: dict[str, Any], path: str, key: str) -> list[dict[str, Any]]:
    try:
        return workflow_matrix.combinations(job)
    except workflow_matrix.MatrixTooBig as exc:
        raise WorkflowUnusable(f"{path}, job `{key}`: {exc}") from None


def _steps(job: dict[str, Any], path: str, key: str) -> list[dict[str, Any]]:
    if "uses" in job:
        raise WorkflowUnusable(f"{path}, job `{key}` calls a reusable workflow, whose steps are elsewhere")
    steps = job.get("steps")
    if not isinstance(steps, list):
        raise WorkflowUnusable(f"{path}, job `{key}` has no steps")
    return [s if isinstance(s, dict) else {} for s in steps]


def _step_name(step: dict[str, Any], matrix: dict[str, Any]) -> str:
    """The name the jobs API shows: `name:`, else `Run ` and the script's first line or the action."""
    name = step.get("name")
    if isinstance(name, str) and name.strip():
        return (
            workflow_matrix.display_name(name.strip(), matrix)
            if workflow_matrix.MATRIX_REF.search(name)
            else name.strip()
        )
    if isinstance(step.get("run"), str):
        lines = step["run"].strip().splitlines()
        return f"Run {lines[0].strip()}" if lines else "Run"
    return f"Run {step.get('uses', '')}"


def _find_step(
    steps: list[dict[str, Any]], matrix: dict[str, Any], step_name: str | None, path: str, key: str
) -> int:
    if step_name is not None:
        for i, step in enumerate(steps):
            if _step_name(step, matrix) == step_name.strip():
                return i
        raise WorkflowUnusable(
            f"{path}, job `{key}` has no step named `{bounded_yaml.shown(step_name)}` (the step that failed)"
        )
    found = [i for i, s in enumerate(steps) if isinstance(s.get("run"), str) and TESTISH.search(s["run"])]
    if not found:
        raise WorkflowUnusable(f"{path}, job `{key}`: no step is named as failed and none looks like tests")
    return found[-1]


@dataclass
class _Context:
    data: dict[Any, Any]
    path: str
    key: str
    job: dict[str, Any]
    matrix: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _commands(
    data: dict[Any, Any],
    path: str,
    key: str,
    job: dict[str, Any],
    matrix: dict[str, Any],
    steps: list[dict[str, Any]],
    index: int,
) -> CiCommands:
    ctx = _Context(data, path, key, job, matrix)
    target = steps[index]
    name = _step_name(target, matrix)
    if not isinstance(target.get("run"), str):
        what = f"uses `{bounded_yaml.shown(target.get('uses', ''))}`" if "uses" in target else "has no run:"
        raise WorkflowUnusable(f"{path}, job `{key}`, step `{bounded_yaml.shown(name)}` {what}, not a script")
    test = _shell_step(ctx, target, name)
    setup: list[ShellStep] = []
    tools: list[str] = []
    for step in steps[:index]:
        uses = step.get("uses")
        if isinstance(uses, str) and (m := SETUP_ACTION.match(uses)):
            version = (
                (step.get("with") or {}).get(VERSION_KEYS[m.group(1)])
                if isinstance(step.get("with"), dict)
                else None
            )
            if version is not None:
                tools.append(f"{m.group(1)} {workflow_matrix.resolve(workflow_matrix.text(version), matrix)}")
        if isinstance(step.get("run"), str):
            setup += _installs(ctx, step)
    python = any(t.startswith("python") for t in tools) or any(
        re.search(r"\b(pip3?|python3?|pytest|poetry|tox)\b", s.script) for s in (*setup, test)
    )
    return CiCommands(path, key, name, test, tuple(setup), tuple(tools), tuple(ctx.notes), python)


def _installs(ctx: _Context, step: dict[str, Any]) -> list[ShellStep]:
    """The install lines of an earlier step, each run as that step would run it."""
    name = _step_name(step, ctx.matrix)
    lines = [line for line in _logical_lines(step["run"]) if INSTALL.search(line)]
    if not lines:
        return []
    try:
        whole = _shell_step(ctx, step, name)
    except WorkflowUnusable as exc:
        ctx.notes.append(f"set-up skipped: {exc}")
        return []
    kept = []
    for line in lines:
        resolved = workflow_matrix.resolve(line, ctx.matrix)
        if EXPRESSION.search(resolved):
            ctx.notes.append(
                f"set-up line `{bounded_yaml.shown(line)}` skipped: it uses a `${{{{ }}}}` expression"
            )
            continue
        kept.append(ShellStep(resolved, whole.directory, whole.env, whole.shell))
    return kept


def _logical_lines(script: str) -> Iterator[str]:
    """The script's lines with backslash continuations joined, stripped, comments and blanks left out."""
    for line in re.sub(r"\s*\\\n\s*", " ", script).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _shell_step(ctx: _Context, step: dict[str, Any], name: str) -> ShellStep:
    where = f"{ctx.path}, job `{ctx.key}`, step `{bounded_yaml.shown(name)}`"
    script = workflow_matrix.resolve(step["run"], ctx.matrix)
    if m := EXPRESSION.search(script):
        raise WorkflowUnusable(
            f"{where} uses `{bounded_yaml.shown(m.group(0))}`, which only GitHub can evaluate"
        )
    directory = _directory(ctx, step, where)
    shell = _first(step.get("shell"), _defaults(ctx.job).get("shell"), _defaults(ctx.data).get("shell"))
    if shell not in (None, "bash", "sh"):
        raise WorkflowUnusable(
            f"{where} runs in `{bounded_yaml.shown(shell)}`; only bash and sh are run here"
        )
    return ShellStep(script, directory, _environment(ctx, step, script, where), shell or "bash")


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _defaults(scope: dict[str, Any]) -> dict[str, Any]:
    defaults = scope.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return run if isinstance(run, dict) else {}


def _directory(ctx: _Context, step: dict[str, Any], where: str) -> str:
    raw = _first(
        step.get("working-directory"),
        _defaults(ctx.job).get("working-directory"),
        _defaults(ctx.data).get("working-directory"),
    )
    if raw is None:
        return ""
    if isinstance(raw, dict | list):
        raise WorkflowUnusable(f"{where}: working-directory must be a path, not a {type(raw).__name__}")
    text = workflow_matrix.resolve(workflow_matrix.text(raw), ctx.matrix).strip()
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if EXPRESSION.search(text) or text.startswith("/") or ".." in parts or "\x00" in text:
        raise WorkflowUnusable(
            f"{where}: working-directory `{bounded_yaml.shown(text)}` is not a plain path inside the checkout"
        )
    return "/".join(parts)


def _environment(ctx: _Context, step: dict[str, Any], script: str, where: str) -> tuple[tuple[str, str], ...]:
    """Workflow, job and step `env:`, later levels winning; secrets and the token dropped; a value with
    another expression is dropped too, unless the script reads it (then the step is unusable)."""
    merged: dict[str, str] = {}
    for scope in (ctx.data, ctx.job, step):
        env = scope.get("env")
        if not isinstance(env, dict):
            continue
        for key, value in env.items():
            if not isinstance(key, str) or not ENV_NAME.match(key) or isinstance(value, dict | list):
                ctx.notes.append(f"env `{bounded_yaml.shown(key)}` ignored: not a plain name and value")
                continue
            merged[key] = workflow_matrix.resolve(
                workflow_matrix.text(value) if value is not None else "", ctx.matrix
            )
    kept: list[tuple[str, str]] = []
    for key, value in merged.items():
        if SECRET.search(value):
            ctx.notes.append(f"env `{key}` left out: it holds a secret or the job's token")
        elif EXPRESSION.search(value):
            if re.search(rf"\${{?{key}\b", script):
                shown = bounded_yaml.shown(value)
                raise WorkflowUnusable(
                    f"{where} reads ${key}, set to `{shown}`, which only GitHub can evaluate"
                )
            ctx.notes.append(f"env `{key}` left out: its value is an expression")
        elif "\x00" not in value:
            kept.append((key, value))
    return tuple(kept)
