"""`codellama-bot fix PATH` without --test on Python checkouts without a `.github/codellama.yml`: a uv project
is set up with uv and tested in the sandbox, and repaired; a project whose `requires-python` no installed
interpreter satisfies is refused in one line that names the interpreters there are (a real process, real
git, real uv; the model is the TGI stand-in)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.bugs import search_replace
from tests.checkouts import commit_files, run_fix
from tests.conftest import REPO_ROOT
from tests.stand_ins.tgi_server import TGIStandIn
from tests.workers.checkout.python_projects import CALC, PROJECT, make_project
from workers.checkout.manifests import installed_tools, interpreters
from workers.runners.sandbox.factory import sandbox_available

pytestmark = pytest.mark.slow

KNOBS = {
    "CANDIDATES": "1",
    "BOT_MAX_ITERATIONS": "2",
    "TGI_RETRIES": "1",
    "TGI_BACKOFF_BASE_S": "0.05",
    "PYTHONPATH": str(REPO_ROOT),
}
WRONG = search_replace("calc.py", "    return a - b", "    return b - a", "The operands are swapped.")
RIGHT = search_replace("calc.py", "    return a - b", "    return a + b", "add subtracts.")


def test_fix_repairs_a_uv_project_set_up_and_tested_by_uv(tmp_path: Path) -> None:
    if "uv" not in installed_tools():
        pytest.skip("uv is not installed; `pip install -e '.[toolchains]'` (scripts/test.sh) installs it")
    ok, why = sandbox_available()
    if not ok:
        pytest.skip(f"no sandbox here: {why}")
    checkout = tmp_path / "checkout"
    make_project("uv", checkout, tmp_path / "lock-home")
    repo = commit_files(checkout, {}, "calc, with uv.lock")
    trajectory = tmp_path / "trajectory.jsonl"
    with TGIStandIn([WRONG, RIGHT]) as tgi:
        done = run_fix(
            checkout,
            "--trajectory",
            str(trajectory),
            tgi_url=tgi.url,
            workdir=tmp_path / "work",
            knobs=KNOBS,
            cwd=tmp_path,
        )
        prompts = tgi.prompts()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "+    return a + b" in done.stdout
    branch = f"codellama/fix-local-{repo.head.commit.hexsha[:7]}"
    assert "return a + b" in repo.git.show(f"{branch}:calc.py")
    # The first round saw uv's environment fail the test; the wrong answer failed it too.
    assert len(prompts) == 2 and "assert -1 == 3" in prompts[0], prompts[0][-2000:]
    # Tested in the job's venv that uv synced (test_python_toolchains.py checks the same plan names uv).
    record = json.loads(trajectory.read_text())
    assert "/venv/bin/python -m pytest" in json.dumps(record), json.dumps(record)[:3000]


def test_fix_refuses_a_project_no_installed_python_satisfies_in_one_line(tmp_path: Path) -> None:
    if any(found.version >= (3, 13) for found in interpreters()):
        pytest.skip("this machine has a Python 3.13 or newer, which satisfies the project")
    checkout = tmp_path / "checkout"
    too_new = PROJECT.replace('requires-python = ">=3.11"', 'requires-python = ">=3.13"')
    commit_files(checkout, {**CALC, "pyproject.toml": too_new}, "calc for a future Python")
    with TGIStandIn([]) as tgi:  # a model server that answers: the refusal is the plan's, not the model's
        done = run_fix(
            checkout, tgi_url=tgi.url, workdir=tmp_path / "work", knobs=KNOBS, cwd=tmp_path, timeout_s=120
        )
        assert tgi.prompts() == []
    assert done.returncode != 0 and "Traceback" not in done.stderr + done.stdout
    said = done.stderr + done.stdout
    [line] = [ln for ln in said.splitlines() if "requires Python" in ln]
    assert "pyproject.toml requires Python >=3.13" in line, said
    assert "no interpreter on this worker satisfies it" in line, said
    # It names each interpreter there is, this one first; a launcher script (a pyenv shim) is none.
    assert f"(it has {sys.version_info[0]}.{sys.version_info[1]}." in line, line
    assert "shims" not in line, line
