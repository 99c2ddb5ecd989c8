"""Bounded inputs: issue text and instructions are capped with a visible marker (jobs) or refused in one line
(`fix --issue`); CI logs are bounded in bytes downloaded, bytes unpacked, time and text kept. Logs come from
the GitHub stand-in over HTTP, plain, gzip-encoded or zipped; the bombs are real compressed data."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import JobFailed
from core.github_app import GitHubApp
from tests.bugs import PARENS_RIGHT
from tests.checkouts import parens_checkout, run_fix
from tests.github_world import INSTALLATION_ID, REPO, World, github_world, issue_request
from tests.log_bombs import MIB, gzip_bomb, zip_bomb, zip_of_many
from tests.stand_ins.tgi_server import TGIStandIn
from workers.github import gateway as github_io
from workers.github.gateway import RepoGateway
from workers.github.gather import target_for
from workers.github.log_download import LogLimits, LogTooBig
from workers.loop.text_caps import BODY_CHARS, INSTRUCTIONS_CHARS, TITLE_CHARS, capped, check_cap

LOG = "collecting ... collected 3 items\n" + "".join(f"line {n} ✓\n" for n in range(2000)) + "1 failed\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with github_world(tmp_path_factory.mktemp("github"), {"README.md": "hello\n"}) as w:
        yield w


@pytest.fixture
def gateway(world: World) -> RepoGateway:
    app = GitHubApp(world.settings("redis://127.0.0.1:1/0", "unused"))
    return RepoGateway(app.client(app.installation_token(INSTALLATION_ID)), REPO)


def _logs(world: World, gateway: RepoGateway, *jobs: dict[str, object]) -> list[github_io.FailedJobLog]:
    run = world.gh.add_workflow_run(REPO, "main", world.base_sha, jobs=list(jobs))
    return gateway.failed_job_logs(run["id"])


# ---- issue text -------------------------------------------------------------------------------------


def test_capped_text_keeps_the_start_and_says_how_much_was_cut() -> None:
    assert capped("x" * 10, 10, "body") == "x" * 10
    cut = capped("x" * 25, 10, "body")
    assert cut.startswith("x" * 10 + "\n[… body cut: 15 more characters, over the bot's cap of 10]")
    assert check_cap("y" * 4000, 4000, "--issue") == "y" * 4000
    with pytest.raises(JobFailed, match=r"--issue is 4,001 characters, over the cap of 4,000"):
        check_cap("y" * 4001, 4000, "--issue")


def test_a_job_caps_the_issue_title_body_and_instructions_with_a_marker(
    world: World, gateway: RepoGateway
) -> None:
    number = world.gh.add_issue(REPO, "T" * 1000, "B" * 50_000)
    request = issue_request(number, instructions="I" * 10_000)
    target = target_for(request, gateway, "codellama/")
    assert "T" * TITLE_CHARS + "\n[… title cut: 744 more characters" in target.task_text
    assert "B" * BODY_CHARS + "\n[… issue body cut: 42,000 more characters" in target.task_text
    assert "I" * INSTRUCTIONS_CHARS + "\n[… instructions cut: 6,000 more characters" in target.task_text
    assert (
        "B" * (BODY_CHARS + 1) not in target.task_text
        and "I" * (INSTRUCTIONS_CHARS + 1) not in target.task_text
    )
    assert len(target.query_text) < TITLE_CHARS + BODY_CHARS + INSTRUCTIONS_CHARS + 400


@pytest.mark.slow
def test_fix_refuses_an_issue_text_past_the_cap_in_one_line_before_any_model_call(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    parens_checkout(root)
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        done = run_fix(root, "--issue", "z" * 5000, tgi_url=tgi.url, workdir=tmp_path / "work", timeout_s=120)
        calls = len(tgi.requests)
    assert (done.returncode, calls) == (2, 0)
    assert done.stderr.strip().splitlines() == [
        "codellama-bot: --issue is 5,000 characters, over the cap of 4,000; say what is wrong in fewer "
        "words (the prompt needs the room for code)"
    ]


# ---- CI logs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_plain_or_gzip_encoded_log_arrives_as_it_was_written(
    world: World, gateway: RepoGateway, encoding: str
) -> None:
    [log] = _logs(world, gateway, {"name": "test", "log": LOG, "log_encoding": encoding})
    assert log.name == "test" and log.text == LOG


def test_a_zipped_log_arrives_as_its_step_logs_in_order(world: World, gateway: RepoGateway) -> None:
    [log] = _logs(world, gateway, {"name": "test", "log": LOG, "log_encoding": "zip"})
    setup, tests = log.text.index("== 1_Set up job.txt =="), log.text.index("== 2_Run tests.txt ==")
    assert setup < tests and log.text.endswith(LOG)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["zip", "gzip"])
def test_a_compression_bomb_is_refused_in_bounded_memory(
    world: World, gateway: RepoGateway, encoding: str
) -> None:
    bomb = zip_bomb(600) if encoding == "zip" else gzip_bomb(600)
    assert len(bomb) < 2 * MIB  # 600 MiB unpacked, under 2 MiB on the wire
    tracemalloc.start()
    try:
        with pytest.raises(LogTooBig, match=r"the log of `test` unpacks to more than 512 MiB"):
            _logs(world, gateway, {"name": "test", "log_encoding": encoding, "log_body": bomb})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 600 MiB unpacked, but held at once only the 20 MiB tail a log may keep and a few MiB of buffers (the
    # bomb was built before tracing began, and the stand-in serves it without a copy).
    assert peak < LogLimits().kept_bytes + 8 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_the_kept_text_is_a_budget_the_logs_of_a_job_share(
    world: World, gateway: RepoGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(github_io, "LOG_LIMITS", LogLimits(kept_bytes=300_000))
    big = "".join(f"step {n}: ok\n" for n in range(40_000)) + "FAILED test_a.py::test_x - boom\n"
    logs = _logs(world, gateway, *({"name": f"job {n}", "log": big} for n in range(3)))
    assert [log.name for log in logs] == ["job 0", "job 1", "job 2"]
    for log in logs:
        kept = log.text.split("\n", 1)[1]
        assert log.text.startswith("[... the first ") and len(kept.encode()) == 100_000
        assert kept.endswith("FAILED test_a.py::test_x - boom\n")


def test_at_most_twenty_failed_jobs_are_read(world: World, gateway: RepoGateway) -> None:
    logs = _logs(world, gateway, *({"name": f"job {n:02}", "log": f"log {n}\n"} for n in range(25)))
    assert [log.text for log in logs] == [f"log {n}\n" for n in range(20)]


@pytest.mark.parametrize(
    ("limits", "job", "message"),
    [
        (LogLimits(downloaded_bytes=MIB), {"log": "x" * (2 * MIB)}, "more than 1 MiB to download"),
        (LogLimits(total_s=0), {"log": LOG}, "took longer than 0 s"),
        (LogLimits(), {"log_encoding": "zip", "log_body": zip_of_many(1001)}, "a zip of 1,001 files"),
        (LogLimits(), {"log_encoding": "gzip", "log_body": b"\x1f\x8bnot gzip"}, "not valid gzip data"),
    ],
)
def test_each_cap_is_a_clear_error(
    world: World,
    gateway: RepoGateway,
    monkeypatch: pytest.MonkeyPatch,
    limits: LogLimits,
    job: dict[str, object],
    message: str,
) -> None:
    monkeypatch.setattr(github_io, "LOG_LIMITS", limits)
    with pytest.raises(JobFailed, match=message):
        _logs(world, gateway, {"name": "test", **job})
