"""A Python repository's set-up and tests by convention: the interpreter its `requires-python` allows, the
installer its files declare (pip, Poetry, uv, PDM, Hatch), tox or nox when present, else pytest.

Pure, like conventions.py. A declared tool the worker lacks gives way to pip (which installs any
pyproject.toml project) or pytest, and the report says so. The tools come with the worker
(`pip install codellama-bot[toolchains]`), beside its interpreter where the sandbox sees them.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from workers.checkout.conventions import Convention, NoConvention, Seen, declare

REQUIREMENTS = ("requirements.txt", "requirements-dev.txt", "requirements-test.txt")
LOCKFILES = ("poetry.lock", "uv.lock", "pdm.lock")
MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini", "noxfile.py", *LOCKFILES, *REQUIREMENTS)
PYTEST = "-m pytest -q -rfE --tb=short -p no:cacheprovider"
# Poetry writes `python = "^3.9"`; PEP 440 has no caret or tilde-without-equals.
_POETRY_CARET = re.compile(r"^\^(\d+)(?:\.(\d+))?")
_POETRY_TILDE = re.compile(r"^~(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: tuple[int, int, int]
    worker: bool = False  # the worker's own, whose pytest a job's venv can borrow

    @property
    def shown(self) -> str:
        return f"{'.'.join(map(str, self.version))} at {self.path}"


def looks_like_python(seen: Seen) -> bool:
    return any(seen.has(m) for m in MARKERS)


def has_python_files(seen: Seen) -> bool:
    return any(f.endswith(".py") for f in seen.files)


def python(seen: Seen, interpreters: tuple[Interpreter, ...], venv: str, lend: tuple[str, ...] = (),
           extra_setup: tuple[str, ...] = ()) -> tuple[Convention, bool]:  # fmt: skip
    """The convention, and whether it uses the job's venv at `venv`. `lend` makes the worker's packages
    visible in that venv; `extra_setup` (the config's `setup:`) runs once the venv exists."""
    pyproject = _pyproject(seen)
    project, tool = _table(pyproject, "project"), _table(pyproject, "tool")
    interpreter, why_python = _interpreter(pyproject, interpreters)
    notes = [why_python] if why_python else []
    runner = _runner(seen, pyproject, notes)
    if runner is not None:
        setup, test = runner
        return Convention("Python", extra_setup + setup, test, "; ".join(notes)), False
    vpy = shlex.quote(f"{venv}/bin/python")
    installer = _installer(seen, tool, notes)
    installable = seen.has("setup.py") or bool(project) or bool(_table(tool, "poetry"))
    if installer == "hatch":
        return _hatch(interpreter, venv, lend, extra_setup, notes), True
    installs = _installs(seen, installer, installable, vpy, venv)
    if not installs and not extra_setup and interpreter.worker:
        why = "; ".join(notes) or "Python files, nothing to install"
        return Convention("Python", (), f"{shlex.quote(interpreter.path)} {PYTEST}", why), False
    # --system-site-packages keeps pytest and the common tools without downloading them per job.
    make = f"{shlex.quote(interpreter.path)} -m venv --system-site-packages {shlex.quote(venv)}"
    setup = (make, *(lend if interpreter.worker else ()), *extra_setup, *installs)
    if not interpreter.worker:
        setup += (f"{vpy} -m pip install -q pytest",)
    notes.append(f"installed with {installer}" if installs else "nothing to install")
    return Convention("Python", setup, f"{vpy} {PYTEST}", "; ".join(notes)), True


def _pyproject(seen: Seen) -> dict[str, Any]:
    text = seen.text("pyproject.toml")
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise NoConvention(f"pyproject.toml is not valid TOML ({str(exc)[:200]}); {declare()}") from None


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise NoConvention(f"pyproject.toml: `{key}` must be a table; {declare()}")
    return value


def _requires_python(pyproject: dict[str, Any]) -> str | None:
    spec = _table(pyproject, "project").get("requires-python")
    if spec is None:
        deps = _table(_table(_table(pyproject, "tool"), "poetry"), "dependencies")
        spec = deps.get("python")
    if spec is None:
        return None
    if not isinstance(spec, str) or len(spec) > 200:
        raise NoConvention(f"pyproject.toml: the required Python version must be a short string; {declare()}")
    return spec.strip()


def _specifier(text: str) -> SpecifierSet:
    if text in ("", "*"):
        return SpecifierSet()
    parts = []
    for part in text.split(","):
        part = part.strip()
        if caret := _POETRY_CARET.match(part):
            major, minor = int(caret.group(1)), int(caret.group(2) or 0)
            part = f">={major}.{minor},<{major + 1}"
        elif tilde := _POETRY_TILDE.match(part):
            major, minor = int(tilde.group(1)), int(tilde.group(2) or 0)
            part = f">={major}.{minor},<{major}.{minor + 1}" if tilde.group(2) else f">={major},<{major + 1}"
        parts.append(part)
    try:
        return SpecifierSet(",".join(parts))
    except InvalidSpecifier:
        raise NoConvention(
            f"pyproject.toml: {text!r} is not a Python version specifier; {declare()}"
        ) from None


def _interpreter(pyproject: dict[str, Any], found: tuple[Interpreter, ...]) -> tuple[Interpreter, str]:
    """The worker's own interpreter when it satisfies `requires-python`, else the newest that does."""
    text = _requires_python(pyproject)
    worker = next(i for i in found if i.worker)
    if text is None:
        return worker, ""
    spec = _specifier(text)
    fits = [i for i in found if spec.contains(Version(".".join(map(str, i.version))), prereleases=True)]
    if not fits:
        have = ", ".join(i.shown for i in found)
        raise NoConvention(
            f"pyproject.toml requires Python {text}, and no interpreter on this worker satisfies it "
            f"(it has {have}); ask the operator for one, or {declare()}"
        )
    chosen = next((i for i in fits if i.worker), max(fits, key=lambda i: i.version))
    return chosen, f"Python {'.'.join(map(str, chosen.version[:2]))} for requires-python {text}"


def _runner(seen: Seen, pyproject: dict[str, Any], notes: list[str]) -> tuple[tuple[str, ...], str] | None:
    """tox or nox, when the repository has their configuration and the worker has the tool."""
    tool = _table(pyproject, "tool")
    cfg = seen.texts.get("setup.cfg") or ""
    if seen.has("tox.ini") or "tox" in tool or "[tox:tox]" in cfg:
        if "tox" in seen.tools:
            notes.append("tox configuration, so tox")
            skip = "--skip-missing-interpreters=true"
            return (f"tox --notest {skip}",), f"tox --skip-pkg-install {skip}"
        notes.append("tox configuration, but this worker has no tox: pytest instead")
    if seen.has("noxfile.py"):
        if "nox" in seen.tools:
            notes.append("noxfile.py, so nox")
            return ("nox --install-only",), "nox --reuse-existing-virtualenvs --no-install"
        notes.append("noxfile.py, but this worker has no nox: pytest instead")
    return None


def _installer(seen: Seen, tool: dict[str, Any], notes: list[str]) -> str:
    declared = [
        ("poetry", seen.has("poetry.lock") or "poetry" in tool, "poetry.lock or [tool.poetry]"),
        ("uv", seen.has("uv.lock") or "uv" in tool, "uv.lock or [tool.uv]"),
        ("pdm", seen.has("pdm.lock") or "pdm" in tool, "pdm.lock or [tool.pdm]"),
    ]
    for name, present, what in declared:
        if not present:
            continue
        if name in seen.tools:
            notes.append(f"{what} names {name}")
            return name
        notes.append(f"{what} names {name}, which this worker lacks: pip instead")
        return "pip"
    if seen.has("hatch.toml") or "hatch" in tool:
        if "hatch" in seen.tools:
            notes.append("hatch.toml or [tool.hatch] names hatch")
            return "hatch"
        notes.append("hatch.toml or [tool.hatch] names hatch, which this worker lacks: pip instead")
    return "pip"


def _hatch(
    interpreter: Interpreter, venv: str, lend: tuple[str, ...], extra_setup: tuple[str, ...], notes: list[str]
) -> Convention:
    """Hatch makes its default environment (the project in dev mode, its dependencies) at the job's venv
    itself: an environment that already exists there is one it would leave as it is, uninstalled."""
    vpy = shlex.quote(f"{venv}/bin/python")
    create = (
        f"HATCH_ENV_TYPE_VIRTUAL_PATH={shlex.quote(venv)} HATCH_PYTHON={shlex.quote(interpreter.path)} "
        "hatch env create"
    )
    # Hatch's environments do not see the system's packages: the worker lends its pytest, or pip fetches one.
    borrowed = lend if interpreter.worker else ()
    pytest = () if borrowed else (f"{vpy} -m pip install -q pytest",)
    notes.append("installed with hatch")
    return Convention(
        "Python", (create, *borrowed, *extra_setup, *pytest), f"{vpy} {PYTEST}", "; ".join(notes)
    )


def _installs(seen: Seen, installer: str, installable: bool, vpy: str, venv: str) -> tuple[str, ...]:
    into = f"VIRTUAL_ENV={shlex.quote(venv)}"
    if installer == "poetry":
        return (f"{into} poetry install --no-interaction",)
    if installer == "uv":
        frozen = " --frozen" if seen.has("uv.lock") else ""
        return (f"UV_PROJECT_ENVIRONMENT={shlex.quote(venv)} uv sync --inexact{frozen}",)
    if installer == "pdm":
        return (f"pdm use -f {shlex.quote(venv)}", "pdm install --no-self")
    installs = [f"{vpy} -m pip install -q -r {name}" for name in REQUIREMENTS if seen.has(name)]
    if installable:
        installs.append(f"{vpy} -m pip install -q -e .")
    return tuple(installs)
