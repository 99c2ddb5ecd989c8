"""`codellama-bot fix` on a checkout whose .github/codellama.yml is wrong: one line naming the key and the
line, exit 2, before any model server is asked (a real `codellama-bot` process, real git)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bugs import search_replace
from tests.checkouts import commit_files, run_fix
from tests.conftest import REPO_ROOT, free_port
from tests.processes import child_env

CALC = {
    "calc.py": "def add(a, b):\n    return a - b\n",
    "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
}
# Quick retries: a run that gets past the config check fails fast on the missing model server.
KNOBS = {"TGI_RETRIES": "1", "TGI_BACKOFF_BASE_S": "0.05", "PYTHONPATH": str(REPO_ROOT)}


def _checkout(root: Path, config: str) -> Path:
    commit_files(root, {".github/codellama.yml": config, **CALC}, "start")
    return root


def _fix(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A model server that does not exist: a config error must be reported before it is ever asked. The run
    # starts outside the bot's source tree, as a user's would (PYTHONPATH finds the bot).
    no_model = f"http://127.0.0.1:{free_port()}"
    return run_fix(
        repo, tgi_url=no_model, workdir=tmp_path / "work", knobs=KNOBS, cwd=tmp_path, timeout_s=120
    )


@pytest.mark.parametrize(
    ("config", "line"),
    [
        ("setup: 5\n", "line 1: `setup` must be a command or a list of commands, not a number"),
        ("setup: {a: 1}\n", "line 1: `setup` must be a command or a list of commands, not a mapping"),
        ("test: pytest\nprotected:\n  - docs/\n  - [x]\n", "line 4: `protected` item 2 must be a non-empty"),
        ("test: pytest\ntests: pytest -x\n", "line 2: unknown key `tests`; the keys are setup, test"),
        ("a: &a [1, 2]\nb: [*a, *a]\n", "line 1: anchors (&a) are not allowed"),
        ("test: " + "[" * 100 + "]" * 100 + "\n", "nested deeper than 16 levels"),
    ],
    ids=["number", "mapping", "list-item", "unknown-key", "alias", "deep"],
)
def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, config: str, line: str) -> None:
    result = _fix(_checkout(tmp_path / "repo", config), tmp_path)
    assert result.returncode == 2, result.stderr
    assert line in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("codellama-bot: .github/codellama.yml, line ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_good_config_gets_past_the_check_to_the_model_server(tmp_path: Path) -> None:
    result = _fix(_checkout(tmp_path / "repo", "protected: migrations/**\ntest: [pytest -q]\n"), tmp_path)
    assert result.returncode == 2
    assert "no model server" in result.stderr and "codellama.yml" not in result.stderr


def test_apply_refuses_a_protect_glob_git_would_refuse_in_one_line(tmp_path: Path) -> None:
    repo = _checkout(tmp_path / "repo", "test: pytest\n")
    answer = tmp_path / "answer.md"
    answer.write_text(search_replace("calc.py", "    return a - b", "    return a + b", "add subtracts."))
    run = [sys.executable, "-m", "bot.cli", "apply", str(repo), "--answer", str(answer)]
    env = child_env({"PYTHONPATH": str(REPO_ROOT)})
    bad = subprocess.run([*run, "--protect", "!"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2, bad.stderr
    assert "argument --protect: '!' is not a valid .gitignore-style pattern" in bad.stderr
    assert "Traceback" not in bad.stderr
    # A gitignore-style glob protects what git would ignore: `calc.py` anywhere, so the edit is refused.
    refused = subprocess.run(
        [*run, "--protect", "calc.py"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1 and "protected by .github/codellama.yml ('calc.py')" in refused.stdout
    assert "return a - b" in (repo / "calc.py").read_text()
