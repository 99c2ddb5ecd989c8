"""`codellama-bot fix PATH`: the repair loop on a local checkout, against the TGI stand-in."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.bugs import PARENS_PATH, PARENS_RIGHT, PARENS_WRONG
from tests.checkouts import parens_checkout, run_fix
from tests.conftest import free_port
from tests.stand_ins.tgi_server import TGIStandIn

pytestmark = pytest.mark.slow

# One candidate a round, two rounds: the scripted answers are consumed in order.
KNOBS = {"CANDIDATES": "1", "BOT_MAX_ITERATIONS": "2", "TGI_RETRIES": "1", "TGI_BACKOFF_BASE_S": "0.05"}


def _fix(path: Path, tgi_url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    test = ("--test", "python -m pytest -q -p no:cacheprovider")
    return run_fix(path, *test, *extra, tgi_url=tgi_url, workdir=tmp / "work", knobs=KNOBS)


def test_fix_leaves_the_repair_on_a_new_branch_and_the_checkout_untouched(tmp_path: Path) -> None:
    repo = parens_checkout(tmp_path / "checkout")
    before = (tmp_path / "checkout" / PARENS_PATH).read_text()
    with TGIStandIn([PARENS_WRONG, PARENS_RIGHT]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--issue", "'((' must be invalid")
        prompts = tgi.prompts()
    assert done.returncode == 0, done.stderr
    assert "+    return depth == 0" in done.stdout
    branch = f"codellama/fix-local-{repo.head.commit.hexsha[:7]}"
    assert branch in [h.name for h in repo.heads]
    assert "return depth == 0" in repo.git.show(f"{branch}:{PARENS_PATH}")
    # The user's branch, index and working tree are as they were.
    assert repo.active_branch.name == "main" and not repo.is_dirty(untracked_files=True)
    assert (tmp_path / "checkout" / PARENS_PATH).read_text() == before
    assert len(prompts) == 2 and "'((' must be invalid" in prompts[0]


def test_fix_gives_up_with_exit_1_when_no_answer_works(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    with TGIStandIn([PARENS_WRONG, PARENS_WRONG]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Gave up" in done.stderr and "assert True == False" in done.stderr
    # Without --trajectory the record is kept under BOT_DATA_DIR (BOT_WORKDIR/data when unset).
    [kept] = (tmp_path / "work" / "data" / "trajectories" / "checkout").glob("*.json")
    record = json.loads(kept.read_text())
    assert record["outcome"]["status"] == "gave_up" and len(record["rounds"]) == 2


def test_fix_says_clearly_when_no_model_server_answers(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    url = f"http://127.0.0.1:{free_port()}"
    done = _fix(tmp_path / "checkout", url, tmp_path)
    assert done.returncode == 2
    assert url in done.stderr and "model" in done.stderr.lower()


def test_fix_refuses_a_dirty_checkout_so_nothing_is_lost(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    (tmp_path / "checkout" / "notes.txt").write_text("work in progress")
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path)
    assert done.returncode == 2 and "uncommitted changes" in done.stderr
    assert (tmp_path / "checkout" / "notes.txt").read_text() == "work in progress"


def test_fix_writes_its_trajectory_where_asked(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    wanted = tmp_path / "record.json"
    with TGIStandIn([PARENS_WRONG, PARENS_RIGHT]) as tgi:
        done = _fix(tmp_path / "checkout", tgi.url, tmp_path, "--trajectory", str(wanted))
        sent = tgi.prompts()
    assert done.returncode == 0, done.stderr
    record = json.loads(wanted.read_text())
    assert record["kind"] == "fix" and record["request"]["test_command"].startswith("python -m pytest")
    assert [r["prompt"] for r in record["rounds"]] == sent
    assert [r["answers"][0]["text"] for r in record["rounds"]] == [PARENS_WRONG, PARENS_RIGHT]
    first, second = (r["candidates"][0] for r in record["rounds"])
    assert first["applied"] and not first["passed"] and "assert" in first["test_run"]["output_excerpt"]
    assert second["passed"] and second["test_run"]["exit_code"] == 0
    assert record["base_runs"][0]["exit_code"] != 0 and record["ranking"] and record["evidence"]
    assert record["outcome"]["status"] == "fixed" and record["outcome"]["changed_paths"] == [PARENS_PATH]
    assert record["links"] == [f"branch {done.stderr.split('branch ')[1].split('.')[0]}"]
    assert not list((tmp_path / "work").glob("data/trajectories/*/*.json"))  # only where asked


@pytest.mark.parametrize(
    ("where", "says"),
    [
        (".", "is a directory"),
        ("exists.json", "already exists"),
        ("missing/record.json", "is not a directory"),
    ],
)
def test_fix_refuses_a_trajectory_path_it_cannot_write_before_the_job_runs(
    tmp_path: Path, where: str, says: str
) -> None:
    parens_checkout(tmp_path / "checkout")
    (tmp_path / "exists.json").write_text("kept")
    url = f"http://127.0.0.1:{free_port()}"  # nobody answers: the job must not get that far
    done = _fix(tmp_path / "checkout", url, tmp_path, "--trajectory", str(tmp_path / where))
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "model" not in done.stderr.lower()
    assert (tmp_path / "exists.json").read_text() == "kept"


def test_fix_refuses_a_trajectory_in_a_directory_it_cannot_write(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # Root writes into a read-only directory; nobody creates files in /proc.
    where = Path("/proc") if os.geteuid() == 0 else locked
    try:
        done = _fix(
            tmp_path / "checkout", "http://127.0.0.1:9", tmp_path, "--trajectory", str(where / "r.json")
        )
    finally:
        locked.chmod(0o700)
    assert done.returncode == 2 and "cannot be written" in done.stderr, done.stderr


def test_fix_logs_each_phase_and_round_as_json_lines_without_http_chatter(tmp_path: Path) -> None:
    parens_checkout(tmp_path / "checkout")
    with TGIStandIn([PARENS_WRONG, PARENS_RIGHT]) as tgi:
        test = ("--test", "python -m pytest -q -p no:cacheprovider")
        knobs = {**KNOBS, "LOG_FORMAT": "json"}
        done = run_fix(tmp_path / "checkout", *test, tgi_url=tgi.url, workdir=tmp_path / "work", knobs=knobs)
    assert done.returncode == 0, done.stderr
    # Every stderr line is JSON, the outcome's lines too (a log collector reads them; the diff is on stdout).
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    progress = [line["message"] for line in lines if line["logger"] == "codellama.progress"]
    # A phase slower than the heartbeat adds "still ..." lines; their presence depends on this machine's pace.
    phases = [message.split(":")[0] for message in progress if not message.startswith("still ")]
    assert phases == [
        "setting up",
        "reproducing",
        "localizing",
        "localizing",
        *["round 1/2"] * 2,  # as it starts and once its candidates are tested
        *["round 2/2"] * 2,
        "publishing",
    ]
    assert not [line for line in lines if line["logger"].startswith(("httpx", "httpcore"))]
    [outcome] = [line["message"] for line in lines if line["logger"] == "codellama.fix"][:1]
    assert outcome.startswith("Fixed: the tests pass.") and "on branch codellama/fix-local-" in outcome
    assert done.stdout.startswith("diff --git"), done.stdout
