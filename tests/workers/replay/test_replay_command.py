"""`codellama-bot replay TRAJECTORY`: a real `fix` run records a job (a wrong answer, then the right one),
and the replay, a real process with real git and real test runs, runs it again."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import git
import pytest

from tests.bugs import PARENS_PATH, PARENS_RIGHT, PARENS_WRONG
from tests.checkouts import parens_checkout, run_fix
from tests.processes import child_env
from tests.stand_ins.tgi_server import TGIStandIn

pytestmark = pytest.mark.slow

KNOBS = {"CANDIDATES": "1", "BOT_MAX_ITERATIONS": "2", "TGI_RETRIES": "1", "TGI_BACKOFF_BASE_S": "0.05"}
NOBODY = "http://127.0.0.1:9"  # no model server: a replay from the recording must not need one


def replay(
    record: Path, *args: str, workdir: Path, knobs: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = child_env({"TGI_URL": NOBODY, "BOT_WORKDIR": str(workdir), **KNOBS, **(knobs or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", str(record), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fixed job's trajectory: round 1 answered wrong (tests fail), round 2 right (tests pass)."""
    tmp = tmp_path_factory.mktemp("recorded")
    parens_checkout(tmp / "checkout")
    record = tmp / "record.json"
    with TGIStandIn([PARENS_WRONG, PARENS_RIGHT]) as tgi:
        test = ("--test", "python -m pytest -q -p no:cacheprovider")
        done = run_fix(
            tmp / "checkout",
            *test,
            "--trajectory",
            str(record),
            tgi_url=tgi.url,
            workdir=tmp / "w",
            knobs=KNOBS,
        )
    assert done.returncode == 0, done.stderr
    return record


def _edited(recorded: Path, tmp_path: Path, change: dict[str, Any]) -> Path:
    data = json.loads(recorded.read_text()) | change
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    return path


def test_replay_from_the_recording_ends_the_same_without_a_model_or_touching_the_checkout(
    recorded: Path, tmp_path: Path
) -> None:
    checkout = git.Repo(json.loads(recorded.read_text())["request"]["path"])
    heads_before = sorted(h.name for h in checkout.heads)
    own = tmp_path / "replayed.json"
    done = replay(recorded, "--trajectory", str(own), workdir=tmp_path / "w")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("replay of fix job ") and "with the recorded answers" in lines[0]
    assert lines[1].startswith("round 1: prompt same; answers same; candidates same: candidate 1 applied to")
    assert lines[1].endswith("tests failed") and lines[2].endswith("tests passed")
    assert lines[3] == "outcome: same (fixed: 'the tests pass')"
    assert "note:" not in done.stdout  # every token count was recorded: none had to be estimated
    # The replay ran the tests again itself: its own record has their runs, and the same fix.
    mine, theirs = json.loads(own.read_text()), json.loads(recorded.read_text())
    assert mine["kind"] == "replay" and mine["base_runs"][0]["exit_code"] != 0
    assert mine["outcome"]["diff"] == theirs["outcome"]["diff"] and "depth == 0" in mine["outcome"]["diff"]
    # Nothing of the user's checkout changed: no branch, no worktree left behind, nothing modified.
    assert sorted(h.name for h in checkout.heads) == heads_before
    assert len(checkout.git.worktree("list").splitlines()) == 1 and not checkout.is_dirty(
        untracked_files=True
    )


def test_replay_in_a_clone_given_with_repo(recorded: Path, tmp_path: Path) -> None:
    source = json.loads(recorded.read_text())["request"]["path"]
    git.Repo.clone_from(source, tmp_path / "clone")
    gone = _edited(recorded, tmp_path, {"request": {"path": str(tmp_path / "moved"), "test_command": None}})
    refused = replay(gone, workdir=tmp_path / "w")
    assert refused.returncode == 2 and "is gone; pass --repo PATH" in refused.stderr, refused.stderr
    done = replay(recorded, "--repo", str(tmp_path / "clone"), workdir=tmp_path / "w")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "outcome: same (fixed: 'the tests pass')"


def test_replay_against_another_endpoint_prints_what_differs_and_exits_1(
    recorded: Path, tmp_path: Path
) -> None:
    with TGIStandIn([PARENS_WRONG, PARENS_WRONG]) as tgi:
        done = replay(recorded, "--endpoint", tgi.url, workdir=tmp_path / "w")
        sent = tgi.prompts()
    assert done.returncode == 1, done.stderr
    rounds = json.loads(recorded.read_text())["rounds"]
    assert sent[0] == rounds[0]["prompt"]  # the same prompt, asked of the other server
    out = done.stdout
    assert f"with answers from {tgi.url}" in out
    assert "round 1: prompt same; answers same; candidates same: candidate 1 applied" in out
    assert "round 2: prompt same; answers differ; candidates differ" in out
    assert "candidate 1 verdict: recorded tests passed; replayed tests failed" in out
    assert "outcome differs: recorded fixed: 'the tests pass'; replayed gave_up" in out
    assert f"outcome changed_paths: recorded ['{PARENS_PATH}']; replayed []" in out


def test_replay_says_where_it_left_the_recording_instead_of_crashing(recorded: Path, tmp_path: Path) -> None:
    # A recording cut after round 1: the replay's loop asks for a round 2 nobody recorded.
    data = json.loads(recorded.read_text())
    cut = _edited(recorded, tmp_path, {"rounds": data["rounds"][:1]})
    done = replay(cut, workdir=tmp_path / "w")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "round 2: ran only on one side" in done.stdout
    assert (
        "replayed diverged: 'the replay asked for answers in round 2; the recording has 1 round(s)'"
        in done.stdout
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "does not exist"),
        ("not json at all", "is not JSON"),
        ('{"version": 1, "task": {}, "rounds": {}}', "can be replayed: "),
        (
            '{"version": 99, "rounds": []}',
            "newer codellama-bot (trajectory version 99; this one reads up to 1)",
        ),
    ],
)
def test_a_wrong_trajectory_file_is_one_line_and_exit_2(
    tmp_path: Path, content: str | None, says: str
) -> None:
    path = tmp_path / "record.json"
    if content is not None:
        path.write_text(content)
    done = replay(path, workdir=tmp_path / "w")
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert done.stderr.startswith("codellama-bot: ") and len(done.stderr.strip().splitlines()) == 1


def test_a_commit_the_clone_lacks_or_a_repo_that_is_no_clone_is_one_line_and_exit_2(
    recorded: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other"
    parens_checkout(elsewhere).index.commit("another history")
    done = replay(recorded, "--repo", str(elsewhere), workdir=tmp_path / "w")
    commit = json.loads(recorded.read_text())["commit"]
    assert done.returncode == 2 and f"commit {commit} is not in" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = replay(recorded, "--endpoint", NOBODY, workdir=tmp_path / "w")
    assert done.returncode == 2 and "--endpoint: " in done.stderr and NOBODY in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    (tmp_path / "plain").mkdir()
    done = replay(recorded, "--repo", str(tmp_path / "plain"), workdir=tmp_path / "w")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
