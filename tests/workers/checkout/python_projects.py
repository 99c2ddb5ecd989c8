"""Small Python projects, one per tool a repository's files can name (Poetry, uv, PDM, Hatch, tox, nox), each
with a test that fails until `calc.add` is fixed; and how the tests make them set up on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from urllib.parse import unquote, urlparse

BUGGY = "def add(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n"
CALC = {
    "calc.py": BUGGY,
    "test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}
PROJECT = '[project]\nname = "calc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = []\n'
HATCHLING = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'

# tool -> (the files besides CALC, the command that writes its lockfile, what the plan's report says).
PROJECTS: dict[str, tuple[dict[str, str], tuple[str, ...], str]] = {
    # A package Poetry installs itself (poetry-core is inside Poetry), from the lockfile.
    "poetry": (
        {
            "pyproject.toml": '[build-system]\nrequires = ["poetry-core>=2"]\n'
            'build-backend = "poetry.core.masonry.api"\n\n' + PROJECT + "\n[tool.poetry]\n"
            'packages = [{ include = "calc.py" }]\n'
        },
        ("poetry", "lock"),
        "names poetry; installed with poetry",
    ),
    # No build system: uv syncs the lockfile's environment without building the project.
    "uv": ({"pyproject.toml": PROJECT}, ("uv", "lock", "--offline"), "names uv; installed with uv"),
    "pdm": (
        {"pyproject.toml": PROJECT + "\n[tool.pdm]\ndistribution = false\n"},
        ("pdm", "lock"),
        "names pdm; installed with pdm",
    ),
    # Hatch installs the project in dev mode, with hatchling fetched from the index during set-up.
    "hatch": (
        {
            "pyproject.toml": HATCHLING
            + PROJECT
            + '\n[tool.hatch.build.targets.wheel]\npackages = ["calc.py"]\n'
        },
        (),
        "names hatch; installed with hatch",
    ),
    # tox's own environment, with pytest fetched from the index during set-up.
    "tox": (
        {
            "tox.ini": "[tox]\nenv_list = py3\n\n[testenv]\nskip_install = true\ndeps = pytest\n"
            "commands = pytest -q -p no:cacheprovider {posargs}\n"
        },
        (),
        "tox configuration, so tox",
    ),
    "nox": (
        {
            "noxfile.py": "import nox\n\n\n@nox.session(python=False)\ndef lint(session):\n"
            '    session.run("python", "-c", "import calc")\n\n\n'
            f'@nox.session(python="{sys.version_info[0]}.{sys.version_info[1]}")\ndef tests(session):\n'
            '    session.install("pytest")\n    session.run("pytest", "-q", "-p", "no:cacheprovider")\n'
        },
        (),
        "noxfile.py, so nox",
    ),
}


def tool_path() -> str:
    """Where the worker finds the tools: beside its interpreter (the `toolchains` extra), then PATH."""
    return os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])


def make_project(tool: str, root: Path, scratch: Path) -> None:
    """The project at `root`, its lockfile written by the real tool with nothing to download, in a HOME of
    its own (`scratch`) so the machine's caches stay as they were."""
    files, lock, _ = PROJECTS[tool]
    root.mkdir(parents=True)
    for name, text in {**CALC, **files}.items():
        (root / name).write_text(text)
    if lock:
        scratch.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PATH": tool_path(), "HOME": str(scratch), "XDG_CACHE_HOME": str(scratch)}
        env.update({"POETRY_VIRTUALENVS_CREATE": "false", "PDM_CHECK_UPDATE": "false"})
        done = subprocess.run(lock, cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        # PDM leaves the interpreter it locked with behind; a checkout would not have it.
        shutil.rmtree(root / ".venv", ignore_errors=True)
        (root / ".pdm-python").unlink(missing_ok=True)


def local_indexes() -> list[str]:
    """The file:// package indexes pip's configuration names on this machine (an offline mirror), if any."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60
    ).stdout
    urls: list[str] = []
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(("index-url", "extra-index-url")):
            urls += [u for u in value.strip("'\"").split() if u.startswith("file://")]
    return urls


def point_pip_at(indexes: list[str], home: Path) -> list[Path]:
    """Make pip inside the sandbox (HOME is the job's directory) use the local indexes, and return the
    directories the sandbox must see for that: test configuration only, the product names no index."""
    if not indexes:
        return []  # pip's own configuration, over the network that set-up has
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    extra = " ".join(indexes[1:])
    conf.write_text(
        f"[global]\nindex-url = {indexes[0]}\n" + (f"extra-index-url = {extra}\n" if extra else "")
    )
    # An index page links its files relative to itself (../../files/...): the index's parent holds them.
    return [Path(unquote(urlparse(url).path)).parent for url in indexes]
