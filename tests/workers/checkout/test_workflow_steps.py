"""CI's commands read from workflow files: realistic ones in tests/fixtures/workflows, hostile ones here."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from workers.checkout.workflow_steps import (
    ShellStep,
    WorkflowUnusable,
    commands_for_failure,
    commands_for_pull_requests,
)

WORKFLOWS = Path(__file__).parents[2] / "fixtures" / "workflows"
PYTHON = (WORKFLOWS / "python-tests.yml").read_text()
NODE = (WORKFLOWS / "node-ci.yml").read_text()
PATH = ".github/workflows/tests.yml"


def test_the_failed_step_of_a_matrix_job_becomes_the_test_command() -> None:
    ci = commands_for_failure(PYTHON, PATH, "tests (3.11, ubuntu-latest)", "Run unit tests")
    assert (ci.job, ci.step, ci.origin) == (
        "tests",
        "Run unit tests",
        f"CI: {PATH}, job `tests`, step `Run unit tests`",
    )
    assert ci.test.script == "python -m pytest -q tests/unit"
    assert ci.test.directory == "lib"  # the workflow's defaults.run
    env = dict(ci.test.env)
    # Workflow, job and step levels; the matrix value filled in; the secret and the token left out.
    assert env == {
        "FORCE_COLOR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "APP_MODE": "testing",
        "PYVER": "3.11",
    }
    assert any("TOKEN" in n and "secret" in n for n in ci.notes) and any("`GH`" in n for n in ci.notes)
    assert ci.tools == ("python 3.11",) and ci.python


def test_set_up_keeps_the_install_lines_of_earlier_steps_only() -> None:
    ci = commands_for_failure(PYTHON, PATH, "tests (3.10, ubuntu-latest)", "Run unit tests")
    assert [s.script for s in ci.setup] == [
        "python -m pip install --upgrade pip",
        "pip install -r requirements.txt -r requirements-dev.txt",
    ]
    assert all(s.directory == "lib" for s in ci.setup)


def test_an_include_that_matches_a_combination_extends_its_name() -> None:
    ci = commands_for_failure(PYTHON, PATH, "tests (3.12, ubuntu-latest, true)", "Run unit tests")
    assert dict(ci.test.env)["PYVER"] == "3.12"


def test_a_job_name_without_matrix_values_takes_the_first_include() -> None:
    ci = commands_for_failure(PYTHON, PATH, "tests", "Run unit tests")
    assert dict(ci.test.env)["PYVER"] == "3.12"


def test_an_unnamed_run_step_is_named_like_github_does() -> None:
    ci = commands_for_failure(NODE, ".github/workflows/node.yml", "build (20.x)", "Run npm test")
    assert (ci.test.script, ci.test.directory, ci.tools) == ("npm test", "packages/core", ("node 20.x",))
    assert [s.script for s in ci.setup] == ["npm ci"] and not ci.python


def test_a_pull_request_command_takes_the_first_job_that_runs_tests() -> None:
    ci = commands_for_pull_requests(PYTHON, PATH)
    assert ci is not None
    # `lint` comes first but runs no tests; the first combination of the matrix.
    assert (ci.job, ci.step, dict(ci.test.env)["PYVER"]) == ("tests", "Run unit tests", "3.10")
    assert commands_for_pull_requests((WORKFLOWS / "release.yml").read_text(), "release.yml") is None


def test_the_command_line_runs_in_the_directory_with_the_environment(tmp_path: Path) -> None:
    (tmp_path / "sub dir").mkdir()
    step = ShellStep('echo "$FOO" > out.txt\npwd >> out.txt', "sub dir", (("FOO", "it's bar"),))
    subprocess.run(["/bin/sh", "-c", step.command_line()], cwd=tmp_path, check=True, timeout=10)
    assert (tmp_path / "sub dir" / "out.txt").read_text().splitlines() == [
        "it's bar",
        str(tmp_path / "sub dir"),
    ]


def test_a_multi_line_script_stops_at_its_first_failure_like_bash_e(tmp_path: Path) -> None:
    step = ShellStep("false\ntouch reached")
    done = subprocess.run(["/bin/sh", "-c", step.command_line()], cwd=tmp_path, timeout=10)
    assert done.returncode != 0 and not (tmp_path / "reached").exists()


def test_a_single_plain_command_is_left_unwrapped_so_test_ids_can_be_added() -> None:
    assert ShellStep("python -m pytest -q tests/unit").command_line() == "python -m pytest -q tests/unit"
    assert ShellStep("pytest").command_line("/v/bin") == 'export PATH=/v/bin:"$PATH" && pytest'


def _one_step(step: str, extra: str = "") -> str:
    return f"on: push\n{extra}jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - name: go\n{step}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("jobs: [1, 2]\n", "no `jobs:` mapping"),
        ("a: &x [1]\nb: *x\n", "anchors"),
        ("jobs:\n  t:\n    steps: [\n", "not valid YAML"),
        ("x" * 70_000, "larger than"),
        ("jobs:\n" + "  " * 1 + "t:\n" + "".join("  " * i + "a:\n" for i in range(2, 40)), "nested deeper"),
        (_one_step("        run: echo ${{ github.event.pull_request.title }}\n"), "only GitHub can evaluate"),
        (_one_step("        run: pytest\n        shell: pwsh\n"), "only bash and sh"),
        (_one_step("        run: pytest\n        working-directory: ../../etc\n"), "not a plain path"),
        (_one_step("        run: pytest\n        working-directory: /etc\n"), "not a plain path"),
        (_one_step("        uses: some/action@v1\n"), "not a script"),
        (_one_step("        run: echo $DB\n        env:\n          DB: ${{ vars.DB }}\n"), "reads $DB"),
        ("jobs:\n  t:\n    uses: org/repo/.github/workflows/ci.yml@main\n", "reusable workflow"),
        (
            "jobs:\n  t:\n    strategy:\n      matrix:\n"
            + "".join(f"        d{i}: [1, 2, 3, 4]\n" for i in range(5))
            + "    steps: []\n",
            "matrix combinations",
        ),
    ],
)
def test_a_hostile_or_unusable_workflow_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(WorkflowUnusable, match=None) as caught:
        commands_for_failure(text, "ci.yml", "t", "go")
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_an_unknown_job_or_step_is_a_reason_not_a_crash() -> None:
    with pytest.raises(WorkflowUnusable, match=r"no job of ci\.yml is named `nope`"):
        commands_for_failure(PYTHON, "ci.yml", "nope", "x")
    with pytest.raises(WorkflowUnusable, match="no step named `Lint \\\\x1b`"):
        commands_for_failure(PYTHON, "ci.yml", "lint", "Lint \x1b")


def test_an_expression_in_an_env_value_the_script_does_not_read_is_only_noted() -> None:
    text = _one_step("        run: pytest\n        env:\n          SHA: ${{ github.sha }}\n")
    ci = commands_for_failure(text, "ci.yml", "t", "go")
    assert ci.test.env == () and any("SHA" in n for n in ci.notes)


def _mutations(value: object) -> Iterator[object]:
    """The workflow with one value at a time replaced by each wrong type."""
    if isinstance(value, dict):
        for key in list(value):
            for wrong in (None, 7, ["x"], {"k": "v"}, "${{ x }}"):
                yield {**value, key: wrong}
            for inner in _mutations(value[key]):
                yield {**value, key: inner}
    elif isinstance(value, list):
        for i, item in enumerate(value):
            for inner in _mutations(item):
                yield [*value[:i], inner, *value[i + 1 :]]


def test_every_wrong_type_anywhere_is_a_reason_never_a_crash() -> None:
    original = yaml.safe_load(PYTHON)
    count = 0
    for mutated in _mutations(original):
        text = yaml.safe_dump(mutated)
        count += 1
        try:
            commands_for_failure(text, PATH, "tests (3.11, ubuntu-latest)", "Run unit tests")
        except WorkflowUnusable as exc:
            assert "\n" not in str(exc)
        try:
            commands_for_pull_requests(text, PATH)
        except WorkflowUnusable as exc:
            assert "\n" not in str(exc)
    assert count > 200
