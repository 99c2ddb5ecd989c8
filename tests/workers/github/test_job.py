"""A GitHub repair job run in-process against the GitHub and TGI stand-ins, with real git and sandbox."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from core.errors import GitHubUnavailable
from core.github_app import GitHubApp
from core.jobs import RepairRequest
from tests.bugs import PARENS, PARENS_RIGHT, PARENS_WRONG, quixbugs_ci_log, quixbugs_repo
from tests.conftest import free_port
from tests.github_world import INSTALLATION_ID, REPO, World, github_world, issue_request
from tests.stand_ins.tgi_server import TGIStandIn
from workers.checkout.workspace import Workspace
from workers.github.job import run_github_job

pytestmark = pytest.mark.slow


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as w:
        yield w


def _settings(world: World, tmp_path: Path, tgi_url: str, redis_url: str):  # type: ignore[no-untyped-def]
    return world.settings(
        redis_url,
        "unused",
        tgi_url=tgi_url,
        bot_workdir=tmp_path / "work",
        candidates=1,
        bot_max_iterations=2,
        tgi_retries=1,
        tgi_backoff_base_s=0.05,
    )


def _push_branch(world: World, tmp_path: Path, branch: str) -> None:
    """A contributor's branch with one more commit, pushed straight into the bare repository."""
    clone = tmp_path / f"contrib-{branch}"
    subprocess.run(["git", "clone", "-q", str(world.gh.bare_repo_path(REPO)), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "-b", branch], cwd=clone, check=True)
    (clone / "NOTES.md").write_text("A contributor's notes.\n")
    subprocess.run(["git", "add", "NOTES.md"], cwd=clone, check=True)
    subprocess.run(
        ["git", "-c", "user.name=c", "-c", "user.email=c@x", "commit", "-qm", "notes"], cwd=clone, check=True
    )
    subprocess.run(["git", "push", "-q", "origin", branch], cwd=clone, check=True)


def test_a_comment_on_a_pull_request_is_fixed_against_that_pull_requests_branch(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    _push_branch(world, tmp_path, "feature")
    number = world.gh.add_pull(REPO, "feature", "main", title="Add notes")
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        outcome = run_github_job(
            _settings(world, tmp_path, tgi.url, redis_url), issue_request(number, is_pull_request=True)
        )
    assert outcome.status == "pull_request", outcome
    fix = next(p for p in world.gh.pulls(REPO) if p["number"] != number)
    assert fix["base"]["ref"] == "feature" and fix["head"]["ref"] == f"codellama/fix-issue-{number}"
    assert "Requested in #" in fix["body"]
    # The same job delivered again finds its pull request and does nothing more.
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        again = run_github_job(
            _settings(world, tmp_path, tgi.url, redis_url), issue_request(number, is_pull_request=True)
        )
        assert tgi.prompts() == []
    assert again.status == "already_done" and again.detail == fix["html_url"]
    assert len(world.gh.pulls(REPO)) == 2
    links = [c for c in world.gh.issue_comments(REPO, number) if fix["html_url"] in c["body"]]
    assert len(links) == 1  # not said twice


def test_a_redelivered_job_whose_first_run_died_after_the_pull_request_links_it_and_completes_its_check(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    _push_branch(world, tmp_path, "feature")
    number = world.gh.add_pull(REPO, "feature", "main", title="Add notes")
    request = issue_request(number, is_pull_request=True)
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        settings = _settings(world, tmp_path, tgi.url, redis_url)
        first = run_github_job(settings, request)
    assert first.status == "pull_request", first
    # As if the first run's worker died after opening the pull request, before its comment and check.
    with world.gh.world.lock:
        world.gh.world.comments.clear()
    head = next(p for p in world.gh.pulls(REPO) if p["number"] == number)["head"]["sha"]
    with TGIStandIn([]) as tgi:
        again = run_github_job(settings.model_copy(update={"tgi_url": tgi.url}), request)
        assert tgi.requests == []
    assert again.status == "already_done" and again.detail == first.detail
    [comment] = world.gh.issue_comments(REPO, number)
    assert first.detail in comment["body"]
    last = world.gh.check_runs(REPO, head)[-1]
    assert (last["status"], last["conclusion"], last["details_url"]) == ("completed", "success", first.detail)


def test_when_no_answer_works_the_issue_hears_what_was_tried(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    number = world.gh.add_issue(REPO, "`((` counts as balanced", "")
    settings = _settings(world, tmp_path, "http://127.0.0.1:9", redis_url)
    with TGIStandIn([PARENS_WRONG, PARENS_WRONG]) as tgi:
        every_phase = {"tgi_url": tgi.url, "github_check_run_interval_s": 0}
        outcome = run_github_job(settings.model_copy(update=every_phase), issue_request(number))
    assert outcome.status == "gave_up"
    assert world.gh.pulls(REPO) == []
    # One comment: it showed the job's progress, and the answer replaced it.
    [comment] = world.gh.issue_comments(REPO, number)
    assert "could not fix" in comment["body"] and "assert True == False" in comment["body"]
    assert "round 2" in comment["body"] and "/codellama fix" in comment["body"]
    assert "updated as it goes" not in comment["body"]
    history = world.gh.comment_history(comment["id"])
    assert history[0].startswith("**Queued**") and all("updated as it goes" in h for h in history), history
    assert any(h.startswith("**Round 2 of 2**") for h in history), history


def test_a_model_server_that_stays_down_ends_the_job_with_a_comment(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    number = world.gh.add_issue(REPO, "`((` counts as balanced", "")
    outcome = run_github_job(
        _settings(world, tmp_path, f"http://127.0.0.1:{free_port()}", redis_url), issue_request(number)
    )
    assert outcome.status == "model_unavailable"
    [comment] = world.gh.issue_comments(REPO, number)
    assert "model server did not answer" in comment["body"]
    assert world.gh.pulls(REPO) == []


def test_a_failed_check_suite_from_another_ci_is_repaired_from_its_check_run_output(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    suite = world.gh.add_check_suite(
        REPO,
        "main",
        world.base_sha,
        check_runs=[
            {
                "name": "pytest",
                "conclusion": "failure",
                "output": {"title": "1 failed", "summary": "pytest failed", "text": quixbugs_ci_log(PARENS)},
            },
        ],
    )
    request = RepairRequest(
        kind="ci",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id="cs",
        head_branch="main",
        head_sha=world.base_sha,
        check_suite_id=suite["id"],
    )
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        outcome = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), request)
        first_prompt = tgi.prompts()[0]
    assert outcome.status == "pull_request", outcome
    [pr] = world.gh.pulls(REPO)
    assert pr["base"]["ref"] == "main" and pr["head"]["ref"] == f"codellama/fix-ci-{world.base_sha[:7]}"
    assert "test_is_valid_parenthesization" in first_prompt


def test_the_clone_keeps_no_token_and_errors_do_not_show_it(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    settings = _settings(world, tmp_path, "http://127.0.0.1:1", redis_url)
    app = GitHubApp(settings)
    token = app.installation_token(INSTALLATION_ID).token
    url = world.gh.repository(REPO)["clone_url"]
    workspace = Workspace.clone(url, tmp_path / "clone", token)
    config = (tmp_path / "clone" / ".git" / "config").read_text()
    assert token not in config and "x-access-token" not in config
    assert "credential" not in config
    with pytest.raises(GitHubUnavailable) as refused:
        Workspace.clone(url, tmp_path / "clone2", token + "-forged")
    assert token not in str(refused.value)
    assert workspace.head_sha == world.base_sha


HOSTILE_TEST = """
import os, pathlib, socket

def test_attack():
    # A megabyte first, so the report's tail (what the bot quotes on GitHub) holds the findings below.
    print("x" * 1_000_000)
    wanted = ("GITHUB", "REDIS", "TGI", "CODELLAMA")
    print("ENV", sorted((k, v) for k, v in os.environ.items() if k.startswith(wanted)))
    for port in (6379, {gh_port}):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            print("CONNECTED", port)
        except OSError as exc:
            print("blocked", port, exc)
    try:
        pathlib.Path({outside!r}).write_text("pwned")
        print("WROTE OUTSIDE")
    except OSError as exc:
        print("write blocked", exc)
    assert False, "the hostile test fails so that the bot tries to fix it"
"""


def test_a_hostile_repository_gets_nothing_and_the_job_ends_with_a_report(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside-the-workspace.txt"
    with github_world(tmp_path / "github", {"README.md": "hostile\n", "tests/__init__.py": ""}) as world:
        port = int(world.gh.api_url.split(":")[2].split("/")[0])
        files = {"tests/test_attack.py": HOSTILE_TEST.format(gh_port=port, outside=str(outside))}
        world.gh.create_repo("octo-org/hostile", files={**files, "setup.cfg": "[tool:pytest]\n"})
        world.gh.add_installation(4242, 78, ["octo-org/hostile"])
        number = world.gh.add_issue("octo-org/hostile", "make the test pass", "")
        secret = "webhook-secret-that-must-not-leak"
        monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", secret)
        monkeypatch.setenv("GITHUB_PRIVATE_KEY", world.pem)
        settings = _settings(world, tmp_path, "http://127.0.0.1:1", redis_url).model_copy(
            update={"test_output_limit_bytes": 200_000}
        )
        request = issue_request(
            number, installation_id=78, repo_full_name="octo-org/hostile", delivery_id="hostile"
        )
        with TGIStandIn(["I cannot see a fix."] * 4) as tgi:
            outcome = run_github_job(settings.model_copy(update={"tgi_url": tgi.url}), request)
        [comment] = world.gh.issue_comments("octo-org/hostile", number)
        tokens = world.gh.installation_tokens_issued
    assert outcome.status == "gave_up", outcome
    body = comment["body"]
    assert "could not fix" in body
    # The report quotes the tests' own output: the attacks ran, and whatever they got would show up here.
    assert "ENV []" in body and "write blocked" in body
    assert "blocked 6379" in body and f"blocked {port}" in body
    assert secret not in body and "PRIVATE KEY" not in body
    assert not any(token in body for token in tokens)
    assert "CONNECTED" not in body and "WROTE OUTSIDE" not in body
    assert not outside.exists()
    assert len(body) < 20_000  # a megabyte of output was cut down


def test_auto_fix_ci_off_for_a_branch_leaves_its_red_ci_alone_and_commands_still_work(
    tmp_path: Path, redis_url: str
) -> None:
    config = (
        "auto_fix_ci: ['release/*']\n"
        "instructions: Keep the function's signature; this is a teaching example.\n"
        "max_rounds: 1\n"
    )
    files = {**quixbugs_repo(PARENS), ".github/codellama.yml": config}
    with github_world(tmp_path / "github", files) as world, TGIStandIn([PARENS_RIGHT]) as tgi:
        settings = _settings(world, tmp_path, tgi.url, redis_url)
        suite = world.gh.add_check_suite(
            REPO,
            "main",
            world.base_sha,
            check_runs=[{"name": "pytest", "conclusion": "failure", "output": {"title": "1 failed"}}],
        )
        ci = RepairRequest(
            kind="ci",
            installation_id=INSTALLATION_ID,
            repo_full_name=REPO,
            delivery_id="ci",
            head_branch="main",
            head_sha=world.base_sha,
            check_suite_id=suite["id"],
            pull_numbers=(),
        )
        outcome = run_github_job(settings, ci)
        # Quiet, as the repository asked: no model call, no comment, no pull request.
        assert outcome.status == "auto_fix_off" and "'main'" in outcome.detail, outcome
        assert tgi.requests == [] and world.gh.pulls(REPO) == []

        number = world.gh.add_issue(REPO, "parens", "is_valid_parenthesization('((') is True")
        outcome = run_github_job(settings, issue_request(number))
        assert outcome.status == "pull_request", outcome
        [prompt] = tgi.prompts()
        assert "Standing instructions from the repository's .github/codellama.yml" in prompt
        assert "Keep the function's signature; this is a teaching example." in prompt


def test_a_failure_given_up_on_is_not_paid_for_again_and_repeated_give_ups_pause_automatic_repairs(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    _push_branch(world, tmp_path, "feature")
    feature_sha = subprocess.run(
        ["git", "rev-parse", "feature"], cwd=world.gh.bare_repo_path(REPO), capture_output=True, text=True
    ).stdout.strip()
    pull = world.gh.add_pull(REPO, "feature", "main")
    log = quixbugs_ci_log(PARENS)

    def ci(delivery: str, branch: str, sha: str, text: str) -> RepairRequest:
        output = {"title": "1 failed", "summary": "pytest failed", "text": text}
        suite = world.gh.add_check_suite(
            REPO, branch, sha, check_runs=[{"name": "pytest", "conclusion": "failure", "output": output}]
        )
        return RepairRequest(
            kind="ci",
            installation_id=INSTALLATION_ID,
            repo_full_name=REPO,
            delivery_id=delivery,
            head_branch=branch,
            head_sha=sha,
            check_suite_id=suite["id"],
            pull_numbers=(pull,) if branch == "feature" else (),
        )

    with TGIStandIn(lambda prompt, parameters: PARENS_WRONG) as tgi:
        settings = _settings(world, tmp_path, tgi.url, redis_url).model_copy(
            update={"bot_max_iterations": 1, "auto_give_ups_before_pause": 2}
        )
        assert run_github_job(settings, ci("main", "main", world.base_sha, log)).status == "gave_up"
        asked = len(tgi.requests)
        # The same failure on the pull request's later commit: not retried, not paid for.
        again = run_github_job(settings, ci("same", "feature", feature_sha, log))
        assert again.status == "repeated_failure" and f"gave up at {world.base_sha[:7]}" in again.detail
        assert len(tgi.requests) == asked and world.gh.issue_comments(REPO, pull) == []
        # Another failure gives up too: the second give-up in a row pauses automatic repairs, once, saying so.
        other = log.replace("test_is_valid_parenthesization", "test_parens_balance")
        assert run_github_job(settings, ci("other", "feature", feature_sha, other)).status == "gave_up"
        comments = [c["body"] for c in world.gh.issue_comments(REPO, pull)]
        assert len(comments) == 2 and "paused automatic repairs" in comments[1], comments
        assert run_github_job(settings, ci("paused", "feature", feature_sha, log + "\n")).status == "paused"
        # A command still works.
        number = world.gh.add_issue(REPO, "`((` counts as balanced", "")
        assert run_github_job(settings, issue_request(number, delivery_id="cmd")).status == "gave_up"


def test_a_job_keeps_its_trajectory_under_the_data_dir_with_secrets_masked(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    secret = "ghp_" + "T0kenInTheIssue" * 3  # shaped like a GitHub token: the scrubber masks it by shape
    number = world.gh.add_issue(REPO, "`((` counts as balanced", f"my token is {secret}")
    settings = _settings(world, tmp_path, "http://127.0.0.1:9", redis_url).model_copy(
        update={"bot_data_dir": tmp_path / "data"}
    )
    request = issue_request(number, delivery_id="traj-1", instructions=f"fix it, {secret}")
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        outcome = run_github_job(settings.model_copy(update={"tgi_url": tgi.url}), request)
        sent = tgi.prompts()
    assert outcome.status == "pull_request"
    path = tmp_path / "data" / "trajectories" / REPO.replace("/", "_") / "traj-1.json"
    text = path.read_text()
    assert secret not in text
    record = json.loads(text)
    assert record["version"] == 1 and record["kind"] == "github" and record["repository"] == REPO
    assert record["request"]["instructions"] == "fix it, ***" and record["commit"] == world.base_sha
    assert record["config"]["candidates"] == 1 and record["ranking"][0]["reasons"]
    # What a replay needs is recorded, scrubbed like the rest.
    assert "fix it, ***" in record["task"]["task_text"] and record["token_counts"]
    [round_one] = record["rounds"]
    assert [round_one["prompt"]] == sent and "***" in round_one["prompt"]
    assert round_one["answers"][0]["text"] == PARENS_RIGHT
    [candidate] = round_one["candidates"]
    assert candidate["passed"] and candidate["test_run"]["exit_code"] == 0
    assert record["outcome"]["job_status"] == "pull_request" and record["links"] == [outcome.detail]
