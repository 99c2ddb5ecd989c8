"""The GitHub stand-in, driven by the real clients production uses: PyGithub, GitPython, git and requests.

Shapes are checked against GitHub's own OpenAPI description; repository content, CI logs and bugs come from
../shared/corpora (QuixBugs' bitcount and the pytest log of its buggy version).
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import jwt
import pytest
import requests
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    GithubIntegration,
    RateLimitExceededException,
    UnknownObjectException,
)

from tests.conftest import CORPORA
from tests.stand_ins import GitHubStandIn, github_dispatch
from tests.stand_ins import github_schema as schema
from tests.stand_ins.github_dispatch import ROUTES
from tests.stand_ins.github_rest import Call, Reply, route
from tests.stand_ins.github_state import client_id

QUIXBUGS = CORPORA / "quixbugs"
BITCOUNT_LOG = CORPORA / "ci-logs" / "generated-locally" / "quixbugs-pytest-buggy" / "bitcount.log"
APP_ID, INSTALLATION_ID, REPO, OTHER_REPO = 4242, 77, "octo-org/quixbugs-mini", "octo-org/not-installed"
# PyGithub spaces requests 0.25 s and writes 1 s apart by default, to be kind to github.com; not needed here.
NO_THROTTLE: dict[str, Any] = {"seconds_between_requests": 0, "seconds_between_writes": 0}


@dataclass
class Stand:
    gh: GitHubStandIn
    pem: str
    base_sha: str
    tmp: Path

    def integration(self, pem: str | None = None, app_id: int = APP_ID) -> GithubIntegration:
        return GithubIntegration(auth=self.app_auth(pem, app_id), base_url=self.gh.api_url, **NO_THROTTLE)

    def app_auth(self, pem: str | None = None, app_id: int = APP_ID) -> Auth.AppAuth:
        return Auth.AppAuth(app_id, pem or self.pem)

    def token(self) -> str:
        return self.integration().get_access_token(INSTALLATION_ID).token

    def client(self, token: str | None = None) -> Github:
        # retry=None: a 5xx or rate limit must reach the test, not be retried away by PyGithub's defaults.
        return Github(
            base_url=self.gh.api_url, auth=Auth.Token(token or self.token()), retry=None, **NO_THROTTLE
        )

    def rest(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}
        return requests.request(method, self.gh.api_url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def app_key(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One App key for the module: RSA key generation is the slowest part of seeding a stand-in."""
    return GitHubStandIn(tmp_path_factory.mktemp("keygen")).register_app(APP_ID)


@pytest.fixture
def stand(tmp_path: Path, app_key: str) -> Iterator[Stand]:
    files = {
        "python_programs/bitcount.py": (QUIXBUGS / "python_programs" / "bitcount.py").read_text(),
        "python_testcases/test_bitcount.py": (QUIXBUGS / "python_testcases" / "test_bitcount.py").read_text(),
    }
    with GitHubStandIn(tmp_path / "github") as gh:
        pem = gh.register_app(APP_ID, private_key_pem=app_key)
        sha = gh.create_repo(REPO, files=files)
        gh.add_installation(APP_ID, INSTALLATION_ID, [REPO])
        gh.set_permission(REPO, "alice", "write")
        yield Stand(gh, pem, sha, tmp_path)


def git_env(token: str | None) -> dict[str, str]:
    """Auth as a header through GIT_CONFIG_* so the token is in neither argv, the URL nor the saved config."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    if token is not None:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env |= {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"}  # fmt: skip
    return env


def clone(url: str, into: Path, token: str | None) -> git.Repo:
    return git.Repo.clone_from(url, into, env=git_env(token))


def commit_all(repo: git.Repo, message: str) -> str:
    repo.git.add(A=True)
    repo.git.commit(m=message, author="Bot <bot@example.com>", env={"GIT_COMMITTER_NAME": "Bot",
                    "GIT_COMMITTER_EMAIL": "bot@example.com"})  # fmt: skip
    return repo.head.commit.hexsha


def push_change(stand: Stand, token: str, branch: str, name: str, text: str) -> str:
    """Clone, change one file, commit and push it to `branch` over HTTP; returns the pushed SHA."""
    work = clone(f"{stand.gh.web_url}/{REPO}.git", stand.tmp / f"push-{branch.replace('/', '-')}", token)
    (Path(work.working_dir) / name).write_text(text)
    head = commit_all(work, f"Change {name}")
    work.git.push("origin", f"HEAD:{branch}", env=git_env(token))
    return head


# App authentication


def test_an_app_jwt_mints_a_token_that_sees_only_its_installations_repositories(stand: Stand) -> None:
    integration = stand.integration()
    token = integration.get_access_token(INSTALLATION_ID)
    assert token.token.startswith("ghs_") and token.token in stand.gh.installation_tokens_issued
    assert token.expires_at is not None and token.expires_at.timestamp() > time.time() + 3000
    assert integration.get_app_installation(INSTALLATION_ID).id == INSTALLATION_ID
    assert integration.get_repo_installation(*REPO.split("/")).id == INSTALLATION_ID

    client = stand.client(token.token)
    assert client.get_repo(REPO).full_name == REPO
    # PyGithub's lazy flow: a client that mints (and refreshes) its installation token on first use.
    assert integration.get_github_for_installation(INSTALLATION_ID).get_repo(REPO).private
    # GitHub also accepts the App's client id as the JWT issuer.
    by_client_id = GithubIntegration(
        auth=Auth.AppAuth(client_id(APP_ID), stand.pem), base_url=stand.gh.api_url
    )
    assert by_client_id.get_access_token(INSTALLATION_ID).token in stand.gh.installation_tokens_issued
    stand.gh.create_repo(OTHER_REPO, files={"README.md": "not installed\n"})
    with pytest.raises(UnknownObjectException):  # GitHub hides what a token may not see behind 404
        client.get_repo(OTHER_REPO)


def test_a_jwt_from_another_key_an_expired_one_or_an_unknown_app_gets_401(stand: Stand) -> None:
    foreign_pem = GitHubStandIn(stand.tmp / "other").register_app(1)  # a valid RSA key GitHub never saw
    with pytest.raises(GithubException) as wrong_key:
        stand.integration(pem=foreign_pem).get_access_token(INSTALLATION_ID)
    assert wrong_key.value.status == 401

    now = int(time.time())
    expired = jwt.encode(
        {"iat": now - 1200, "exp": now - 600, "iss": str(APP_ID)}, stand.pem, algorithm="RS256"
    )
    too_long = jwt.encode({"iat": now, "exp": now + 3600, "iss": str(APP_ID)}, stand.pem, algorithm="RS256")
    for bad in (expired, too_long, "not-a-jwt"):
        answer = requests.post(f"{stand.gh.api_url}/app/installations/{INSTALLATION_ID}/access_tokens",
                               headers={"Authorization": f"Bearer {bad}"}, timeout=10)  # fmt: skip
        assert answer.status_code == 401, bad
        assert "claim" in answer.json()["message"] or "could not be decoded" in answer.json()["message"]

    with pytest.raises(GithubException) as unknown_app:
        stand.integration(app_id=999).get_access_token(INSTALLATION_ID)
    assert unknown_app.value.status == 401
    with pytest.raises(UnknownObjectException):
        stand.integration().get_access_token(31337)
    assert stand.gh.installation_tokens_issued == []


def test_a_bad_or_missing_token_gets_401_bad_credentials(stand: Stand) -> None:
    with pytest.raises(BadCredentialsException) as bad:
        stand.client("ghs_" + "x" * 36).get_repo(REPO)
    assert bad.value.status == 401 and bad.value.data["message"] == "Bad credentials"
    anonymous = requests.get(f"{stand.gh.api_url}/repos/{REPO}", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["message"] == "Requires authentication"
    app_jwt = stand.app_auth().create_jwt()  # an App JWT is not an installation token
    assert stand.rest("GET", f"/repos/{REPO}", app_jwt).status_code == 401


# Repositories, permissions, issues, comments, reactions


def test_repository_issue_and_permissions_read_like_github(stand: Stand) -> None:
    stand.gh.set_permission(REPO, "mo", "maintain")
    stand.gh.set_permission(REPO, "tri", "triage")
    number = stand.gh.add_issue(REPO, "bitcount loops forever", "`n ^= n - 1` never reaches 0", user="alice")
    repo = stand.client().get_repo(REPO)

    assert repo.clone_url == f"{stand.gh.web_url}/{REPO}.git"
    assert repo.default_branch == "main" and repo.private and repo.owner.login == "octo-org"
    assert repo.get_branch("main").commit.sha == stand.base_sha
    # GitHub's legacy `permission` folds maintain into write and triage into read; role_name keeps the role.
    assert repo.get_collaborator_permission("alice") == "write"
    assert repo.get_collaborator_permission("mo") == "write"
    assert repo.get_collaborator_role_name("mo") == "maintain"
    assert repo.get_collaborator_permission("tri") == "read"
    assert repo.get_collaborator_permission("octo-org") == "admin"
    with pytest.raises(UnknownObjectException):
        repo.get_collaborator_permission("nobody-ever-seen")

    issue = repo.get_issue(number)
    assert (issue.title, issue.user.login, issue.state, issue.pull_request) == (
        "bitcount loops forever", "alice", "open", None)  # fmt: skip
    with pytest.raises(UnknownObjectException):
        repo.get_issue(number + 100)


def test_comments_written_with_a_token_are_the_apps_bot_and_reactions_answer_201_then_200(
    stand: Stand,
) -> None:
    number = stand.gh.add_issue(REPO, "bitcount loops forever", "")
    seeded = stand.gh.add_issue_comment(REPO, number, "/codellama fix\nuse n &= n - 1", user="alice")
    assert seeded["author_association"] == "COLLABORATOR" and seeded["user"]["type"] == "User"
    token = stand.token()
    issue = stand.client(token).get_repo(REPO).get_issue(number)

    comment = issue.get_comment(seeded["id"])
    assert comment.body.startswith("/codellama fix") and comment.user.login == "alice"
    reacted = stand.rest("POST", f"/repos/{REPO}/issues/comments/{seeded['id']}/reactions", token,
                         json={"content": "eyes"})  # fmt: skip
    again = stand.rest("POST", f"/repos/{REPO}/issues/comments/{seeded['id']}/reactions", token,
                       json={"content": "eyes"})  # fmt: skip
    assert (reacted.status_code, again.status_code) == (201, 200)
    assert reacted.json()["id"] == again.json()["id"]
    assert comment.create_reaction("rocket").content == "rocket"
    wrong = stand.rest("POST", f"/repos/{REPO}/issues/comments/{seeded['id']}/reactions", token,
                       json={"content": "thumbs"})  # fmt: skip
    assert wrong.status_code == 422
    assert [(r["content"], r["user"]["login"]) for r in stand.gh.reactions(seeded["id"])] == [
        ("eyes", "codellama-bot[bot]"), ("rocket", "codellama-bot[bot]")]  # fmt: skip

    mine = issue.create_comment("Working on it")
    mine.edit("Opened a pull request")
    assert (mine.user.login, mine.user.type) == ("codellama-bot[bot]", "Bot")
    bodies = [(c["user"]["login"], c["body"]) for c in stand.gh.issue_comments(REPO, number)]
    assert bodies == [("alice", seeded["body"]), ("codellama-bot[bot]", "Opened a pull request")]


def test_long_comment_lists_are_paged_with_link_headers(stand: Stand) -> None:
    number = stand.gh.add_issue(REPO, "many comments", "")
    for i in range(35):
        stand.gh.add_issue_comment(REPO, number, f"comment {i}")
    token = stand.token()
    first = stand.rest("GET", f"/repos/{REPO}/issues/{number}/comments?per_page=10", token)
    assert len(first.json()) == 10 and 'rel="next"' in first.headers["Link"]
    bodies = [c.body for c in stand.client(token).get_repo(REPO).get_issue(number).get_comments()]
    assert bodies == [f"comment {i}" for i in range(35)]


# git over smart HTTP, branches and pull requests


def test_a_pushed_branch_becomes_a_pull_request_and_a_second_one_is_refused(stand: Stand) -> None:
    token = stand.token()
    repo = stand.client(token).get_repo(REPO)
    work = clone(repo.clone_url, stand.tmp / "work", token)
    assert token not in (Path(work.git_dir) / "config").read_text()
    work.git.checkout(b="codellama/fix-issue-1")
    program = Path(work.working_dir) / "python_programs" / "bitcount.py"
    program.write_text((QUIXBUGS / "correct_python_programs" / "bitcount.py").read_text())
    head = commit_all(work, "Fix bitcount: clear the lowest set bit")
    work.git.push("origin", "codellama/fix-issue-1", env=git_env(token))

    assert repo.get_branch("codellama/fix-issue-1").commit.sha == head
    pull = repo.create_pull(base="main", head="codellama/fix-issue-1", title="Fix bitcount", body="Fixes #1")
    assert (pull.head.ref, pull.head.sha, pull.base.ref, pull.base.sha) == (
        "codellama/fix-issue-1", head, "main", stand.base_sha)  # fmt: skip
    assert pull.user.login == "codellama-bot[bot]"
    assert repo.get_issue(pull.number).pull_request is not None  # a pull request is an issue too
    assert [p["number"] for p in stand.gh.pulls(REPO)] == [pull.number]

    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(base="main", head="octo-org:codellama/fix-issue-1", title="Again", body="")
    assert duplicate.value.status == 422
    assert duplicate.value.data["errors"][0]["message"] == (
        "A pull request already exists for octo-org:codellama/fix-issue-1.")  # fmt: skip
    found = repo.get_pulls(state="open", head="octo-org:codellama/fix-issue-1", base="main")
    assert [p.number for p in found] == [pull.number]
    assert list(repo.get_pulls(state="open", head="someone-else:codellama/fix-issue-1")) == []
    assert list(repo.get_pulls(state="closed")) == []


def test_pull_requests_need_an_existing_head_with_commits_of_its_own(stand: Stand) -> None:
    token = stand.token()
    repo = stand.client(token).get_repo(REPO)
    with pytest.raises(GithubException) as missing:
        repo.create_pull(base="main", head="never-pushed", title="x", body="")
    assert missing.value.status == 422 and missing.value.data["errors"][0]["field"] == "head"

    work = clone(repo.clone_url, stand.tmp / "work", token)
    work.git.push("origin", "main:same-as-main", env=git_env(token))
    with pytest.raises(GithubException) as empty:
        repo.create_pull(base="main", head="same-as-main", title="x", body="")
    assert empty.value.data["errors"][0]["message"] == "No commits between main and same-as-main"


def test_a_large_push_arrives_chunked_and_lands_in_the_bare_repository(stand: Stand) -> None:
    token = stand.token()
    work = clone(f"{stand.gh.web_url}/{REPO}.git", stand.tmp / "work", token)
    # Incompressible and above git's 1 MiB http.postBuffer, so git sends the pack with chunked encoding.
    (Path(work.working_dir) / "blob.bin").write_bytes(os.urandom(1536 * 1024))
    head = commit_all(work, "Add a large file")
    work.git.push("origin", "HEAD:big", env=git_env(token))
    assert stand.client(token).get_repo(REPO).get_branch("big").commit.sha == head


def test_git_refuses_a_missing_or_wrong_token_and_a_repository_outside_the_installation(stand: Stand) -> None:
    url = f"{stand.gh.web_url}/{REPO}.git"
    for n, token in enumerate((None, "ghs_wrong")):
        with pytest.raises(git.GitCommandError) as refused:
            clone(url, stand.tmp / f"anon{n}", token)
        assert "Authentication failed" in refused.value.stderr or "could not read" in refused.value.stderr
    challenge = requests.get(f"{url}/info/refs?service=git-upload-pack", timeout=10)
    assert challenge.status_code == 401 and challenge.headers["WWW-Authenticate"] == 'Basic realm="GitHub"'

    stand.gh.create_repo(OTHER_REPO, files={"README.md": "not installed\n"})
    with pytest.raises(git.GitCommandError) as hidden:
        clone(f"{stand.gh.web_url}/{OTHER_REPO}.git", stand.tmp / "other", stand.token())
    assert "not found" in hidden.value.stderr.lower()
    token = stand.token()  # the credential-in-URL form GitHub documents works as well
    url_with_token = url.replace("http://", f"http://x-access-token:{token}@")
    assert clone(url_with_token, stand.tmp / "ok", None).head.commit.hexsha == stand.base_sha


# CI: Actions runs and job logs, check suites


def test_workflow_run_jobs_and_their_logs_download_like_github(stand: Stand) -> None:
    log = BITCOUNT_LOG.read_text()
    run = stand.gh.add_workflow_run(REPO, "main", stand.base_sha, "failure", jobs=[
        {"name": "lint", "conclusion": "success", "log": "All checks passed!\n"},
        {"name": "test (3.11)", "conclusion": "failure", "log": log}])  # fmt: skip
    repo = stand.client().get_repo(REPO)

    workflow_run = repo.get_workflow_run(run["id"])
    assert (workflow_run.conclusion, workflow_run.head_sha, workflow_run.head_branch) == (
        "failure", stand.base_sha, "main")  # fmt: skip
    jobs = {job.name: job for job in workflow_run.jobs()}
    assert {name: job.conclusion for name, job in jobs.items()} == {
        "lint": "success",
        "test (3.11)": "failure",
    }
    location = jobs["test (3.11)"].logs_url()  # GitHub answers 302; PyGithub hands back the Location
    assert location.startswith(stand.gh.web_url + "/_actions/logs/")
    downloaded = requests.get(location, timeout=10)  # a signed URL: no Authorization header, like GitHub's
    assert downloaded.status_code == 200 and downloaded.text == log
    assert requests.get(location.replace("sig=", "sig=x"), timeout=10).status_code == 403
    assert ("GET", f"/repos/{REPO}/actions/jobs/{jobs['test (3.11)'].id}/logs", 302) in stand.gh.requests


def test_check_suites_list_their_check_runs_with_output(stand: Stand) -> None:
    tail = BITCOUNT_LOG.read_text()[-800:]
    suite = stand.gh.add_check_suite(REPO, "main", stand.base_sha, "failure", check_runs=[
        {"name": "jenkins/pytest", "conclusion": "failure",
         "output": {"title": "9 failed", "summary": "bitcount times out", "text": tail}}])  # fmt: skip
    repo = stand.client().get_repo(REPO)
    check_suite = repo.get_check_suite(suite["id"])
    assert (check_suite.conclusion, check_suite.head_sha, check_suite.app.slug) == (
        "failure", stand.base_sha, "jenkins")  # fmt: skip
    runs = list(check_suite.get_check_runs())
    assert [(r.name, r.conclusion, r.output.title, r.output.text) for r in runs] == [
        ("jenkins/pytest", "failure", "9 failed", tail)]  # fmt: skip
    assert repo.get_check_run(runs[0].id).output.summary == "bitcount times out"


def test_an_apps_check_run_is_created_edited_to_completion_and_keeps_its_history(stand: Stand) -> None:
    repo = stand.client().get_repo(REPO)
    run = repo.create_check_run(
        name="codellama-bot",
        head_sha=stand.base_sha,
        status="queued",
        output={"title": "Queued", "summary": "s0"},
    )
    assert (run.status, run.conclusion, run.app.slug) == ("queued", None, "codellama-bot")
    run.edit(status="in_progress", output={"title": "Round 1 of 2", "summary": "s1"})
    run.edit(
        conclusion="success",
        details_url="https://example.com/pull/1",
        output={"title": "Fixed", "summary": "s2"},
    )
    again = repo.get_check_run(run.id)
    assert (again.status, again.conclusion, again.details_url) == (
        "completed",
        "success",
        "https://example.com/pull/1",
    )
    assert again.completed_at is not None and again.output.summary == "s2"
    history = [(h["status"], h["conclusion"], h["title"]) for h in stand.gh.check_run_history(run.id)]
    assert history == [
        ("queued", None, "Queued"),
        ("in_progress", None, "Round 1 of 2"),
        ("completed", "success", "Fixed"),
    ]
    assert [r["id"] for r in stand.gh.check_runs(REPO, stand.base_sha, "codellama-bot")] == [run.id]
    assert repo.get_check_suite(again.check_suite.id).head_sha == stand.base_sha


def test_check_run_bodies_github_would_refuse_get_422(stand: Stand) -> None:
    token, path = stand.token(), f"/repos/{REPO}/check-runs"
    ok = stand.rest("POST", path, token, json={"name": "codellama-bot", "head_sha": stand.base_sha})
    assert ok.status_code == 201 and ok.json()["status"] == "queued"
    update = f"{path}/{ok.json()['id']}"
    refused = [
        stand.rest("POST", path, token, json={"name": "codellama-bot"}),  # no head_sha
        stand.rest("POST", path, token, json={"name": "x", "head_sha": "0" * 40}),  # no such commit
        stand.rest("PATCH", update, token, json={"status": "completed"}),  # completed needs a conclusion
        stand.rest("PATCH", update, token, json={"conclusion": "fine"}),  # not one of GitHub's conclusions
        stand.rest("PATCH", update, token, json={"output": {"title": "t", "summary": "x" * 65536}}),
    ]
    assert [r.status_code for r in refused] == [422] * 5, [r.text[:200] for r in refused]
    assert "head_sha" in refused[0].text and "65536 characters" in refused[4].text
    assert len(stand.gh.check_run_history(ok.json()["id"])) == 1  # refused edits change nothing


def test_a_run_on_a_pull_requests_branch_lists_that_pull_request(stand: Stand) -> None:
    token = stand.token()
    head = push_change(stand, token, "feature", "NOTES", "a change\n")
    number = stand.gh.add_pull(REPO, "feature", title="Add notes")
    run = stand.gh.add_workflow_run(REPO, "feature", head, jobs=[{"name": "test", "log": "boom"}])
    suite = stand.gh.add_check_suite(REPO, "feature", head, check_runs=[{"name": "ci"}])
    elsewhere = stand.gh.add_workflow_run(REPO, "main", stand.base_sha, jobs=[])
    repo = stand.client(token).get_repo(REPO)

    listed = repo.get_workflow_run(run["id"]).pull_requests
    assert [(p.number, p.head.ref, p.head.sha, p.base.ref) for p in listed] == [
        (number, "feature", head, "main")
    ]
    assert [p.number for p in repo.get_check_suite(suite["id"]).pull_requests] == [number]
    assert repo.get_workflow_run(elsewhere["id"]).pull_requests == []


# Faults, unknown paths, expiry, concurrency, shutdown


def test_an_expired_token_gets_401_and_a_fresh_one_works(stand: Stand) -> None:
    token = stand.token()
    stand.gh.expire_tokens()
    with pytest.raises(BadCredentialsException):
        stand.client(token).get_repo(REPO)
    with pytest.raises(git.GitCommandError):
        clone(f"{stand.gh.web_url}/{REPO}.git", stand.tmp / "expired", token)
    assert stand.client(stand.token()).get_repo(REPO).full_name == REPO


def test_parallel_callers_are_all_answered(stand: Stand) -> None:
    number = stand.gh.add_issue(REPO, "busy issue", "")
    token = stand.token()

    def comment(i: int) -> int:
        path = f"/repos/{REPO}/issues/{number}/comments"
        return stand.rest("POST", path, token, json={"body": f"comment {i}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(comment, range(40)))
    assert statuses == [201] * 40
    comments = stand.gh.issue_comments(REPO, number)
    assert sorted(c["body"] for c in comments) == sorted(f"comment {i}" for i in range(40))
    assert len({c["id"] for c in comments}) == 40


def test_injected_faults_answer_once_then_github_is_back(stand: Stand) -> None:
    client = stand.client()
    stand.gh.fail_next("GET", rf"^/repos/{REPO}$", 502)
    with pytest.raises(GithubException) as bad_gateway:
        client.get_repo(REPO)
    assert bad_gateway.value.status == 502
    assert client.get_repo(REPO).full_name == REPO

    stand.gh.fail_next("GET", r"/issues/", 403)
    with pytest.raises(RateLimitExceededException):
        client.get_repo(REPO).get_issue(1)
    stand.gh.fail_next("GET", r"/branches/", 500, times=5)
    stand.gh.fail_next("GET", r"/branches/", 500, times=0)
    assert client.get_repo(REPO).get_branch("main").commit.sha == stand.base_sha
    assert [s for m, p, s in stand.gh.requests if p == f"/repos/{REPO}"] == [502, 200, 200, 200]


def test_unknown_paths_answer_githubs_404(stand: Stand) -> None:
    answer = stand.rest("GET", "/repos/octo-org/quixbugs-mini/hooks", stand.token())
    assert answer.status_code == 404 and answer.json()["message"] == "Not Found"
    assert "documentation_url" in answer.json()


def test_stopping_frees_the_port_even_with_a_kept_alive_connection(tmp_path: Path) -> None:
    gh = GitHubStandIn(tmp_path).start()
    port = int(gh.api_url.split(":")[2].split("/")[0])
    session = requests.Session()  # keeps its connection open after the answer
    assert session.get(gh.api_url + "/rate_limit", timeout=10).status_code == 401
    # Without cutting it, stop() would wait for the idle connection to time out (30 s) before joining.
    stopper = threading.Thread(target=gh.stop)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive(), "stop() is stuck behind a kept-alive connection"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    session.close()


def test_a_bug_in_the_stand_in_answers_500_and_is_raised_at_stop(
    tmp_path: Path, app_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(call: Call) -> Reply:
        raise ZeroDivisionError("a deliberate stand-in bug")

    monkeypatch.setattr(github_dispatch, "ROUTES", [route("GET", "/rate_limit", "token", broken), *ROUTES])
    gh = GitHubStandIn(tmp_path).start()
    try:
        gh.register_app(APP_ID, private_key_pem=app_key)
        gh.create_repo(REPO, files={"README.md": "x\n"})
        gh.add_installation(APP_ID, INSTALLATION_ID, [REPO])
        integration = GithubIntegration(
            auth=Auth.AppAuth(APP_ID, app_key), base_url=gh.api_url, **NO_THROTTLE
        )
        token = integration.get_access_token(INSTALLATION_ID).token
        answer = requests.get(
            gh.api_url + "/rate_limit", headers={"Authorization": f"token {token}"}, timeout=10
        )
        assert answer.status_code == 500 and "ZeroDivisionError" in answer.json()["message"]
    finally:
        with pytest.raises(RuntimeError, match="a deliberate stand-in bug"):
            gh.stop()


# Shapes against GitHub's OpenAPI description


def test_every_answer_has_the_shape_githubs_openapi_documents(stand: Stand) -> None:
    number = stand.gh.add_issue(REPO, "bitcount loops forever", "body", labels=["bug"])
    comment_id = stand.gh.add_issue_comment(REPO, number, "/codellama fix")["id"]
    run = stand.gh.add_workflow_run(REPO, "main", stand.base_sha, jobs=[{"name": "test", "log": "x"}])
    suite = stand.gh.add_check_suite(REPO, "main", stand.base_sha, check_runs=[{"name": "ci", "output": {}}])
    check_run_id = stand.client().get_repo(REPO).get_check_suite(suite["id"]).get_check_runs()[0].id
    token, app_jwt = stand.token(), stand.app_auth().create_jwt()
    push_change(stand, token, "feature", "NOTES", "a change\n")
    pull = {"title": "t", "head": "feature", "base": "main"}
    push_change(stand, token, "codellama/fix-1", "NOTES", "one\ntwo\n")
    reviewed = stand.gh.add_pull(REPO, "codellama/fix-1", "main")
    review_comment = stand.gh.add_review_comment(REPO, reviewed, "NOTES", 2, "say three")
    r, i = f"/repos/{REPO}", f"/app/installations/{INSTALLATION_ID}"
    # (method, OpenAPI path template, concrete path, credential, JSON body, expected status)
    T, A = "/repos/{owner}/{repo}", "/app/installations/{installation_id}"  # OpenAPI templates
    calls: list[tuple[str, str, str, str, Any, int]] = [
        ("POST", A + "/access_tokens", f"{i}/access_tokens", app_jwt, None, 201),
        ("POST", A + "/access_tokens", f"{i}/access_tokens", "x.y.z", None, 401),
        ("GET", A, i, app_jwt, None, 200),
        ("GET", T + "/installation", f"{r}/installation", app_jwt, None, 200),
        ("GET", T, r, token, None, 200),
        ("GET", T + "/collaborators/{username}/permission",
         f"{r}/collaborators/alice/permission", token, None, 200),
        ("GET", T + "/branches/{branch}", f"{r}/branches/feature", token, None, 200),
        ("GET", T + "/issues/{issue_number}", f"{r}/issues/{number}", token, None, 200),
        ("GET", T + "/issues/{issue_number}", f"{r}/issues/999", token, None, 404),
        ("POST", T + "/issues/{issue_number}/comments", f"{r}/issues/{number}/comments", token,
         {"body": "hi"}, 201),
        ("GET", T + "/issues/{issue_number}/comments", f"{r}/issues/{number}/comments", token,
         None, 200),
        ("GET", T + "/issues/comments/{comment_id}", f"{r}/issues/comments/{comment_id}", token,
         None, 200),
        ("PATCH", T + "/issues/comments/{comment_id}", f"{r}/issues/comments/{comment_id}", token,
         {"body": "edited"}, 200),
        ("POST", T + "/issues/comments/{comment_id}/reactions",
         f"{r}/issues/comments/{comment_id}/reactions", token, {"content": "eyes"}, 201),
        ("POST", T + "/pulls", f"{r}/pulls", token, pull, 201),
        ("POST", T + "/pulls", f"{r}/pulls", token, pull, 422),
        ("GET", T + "/pulls/{pull_number}", f"{r}/pulls/{number + 1}", token, None, 200),
        ("GET", T + "/issues/{issue_number}", f"{r}/issues/{number + 1}", token, None, 200),
        ("GET", T + "/pulls", f"{r}/pulls?head=octo-org:feature", token, None, 200),
        ("GET", T + "/pulls/{pull_number}/comments", f"{r}/pulls/{reviewed}/comments", token, None, 200),
        ("GET", T + "/pulls/{pull_number}/files", f"{r}/pulls/{reviewed}/files", token, None, 200),
        ("PATCH", T + "/pulls/{pull_number}", f"{r}/pulls/{reviewed}", token, {"body": "b"}, 200),
        ("GET", T + "/actions/runs/{run_id}", f"{r}/actions/runs/{run['id']}", token, None, 200),
        ("GET", T + "/actions/runs/{run_id}/jobs", f"{r}/actions/runs/{run['id']}/jobs", token,
         None, 200),
        ("GET", T + "/check-suites/{check_suite_id}", f"{r}/check-suites/{suite['id']}", token,
         None, 200),
        ("GET", T + "/check-suites/{check_suite_id}/check-runs",
         f"{r}/check-suites/{suite['id']}/check-runs", token, None, 200),
        ("GET", T + "/check-runs/{check_run_id}", f"{r}/check-runs/{check_run_id}", token,
         None, 200),
        ("POST", T + "/check-runs", f"{r}/check-runs", token,
         {"name": "codellama-bot", "head_sha": stand.base_sha, "status": "queued"}, 201),
        ("PATCH", T + "/check-runs/{check_run_id}", f"{r}/check-runs/{check_run_id}", token,
         {"conclusion": "neutral", "output": {"title": "Gave up", "summary": "s"}}, 200),
        ("GET", "/rate_limit", "/rate_limit", token, None, 200),
    ]  # fmt: skip
    found = []
    for method, template, path, credential, body, status in calls:
        answer = requests.request(method, stand.gh.api_url + path, json=body, timeout=10,
                                  headers={"Authorization": f"Bearer {credential}"})  # fmt: skip
        assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text[:200]}"
        documented = schema.response_schema(method, template, status)
        found += [
            f"{method} {path} {status} {problem}" for problem in schema.problems(documented, answer.json())
        ]
    assert found == []
    review_schema = schema.response_schema("GET", T + "/pulls/{pull_number}/comments", 200)["items"]
    assert schema.problems(review_schema, review_comment) == []
    # The seed helpers return the JSON the API serves, so webhook payloads built from them are faithful too.
    assert (
        schema.problems(
            schema.response_schema("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", 200), run
        )
        == []
    )


def test_a_pull_requests_files_review_comments_and_body_are_served_as_pygithub_reads_them(
    stand: Stand,
) -> None:
    token = stand.token()
    push_change(stand, token, "codellama/fix-1", "NOTES", "one\ntwo\n")
    number = stand.gh.add_pull(REPO, "codellama/fix-1", "main", body="ledger")
    stand.gh.add_review_comment(REPO, number, "NOTES", 2, "say three", user="bob")
    pull = stand.client().get_repo(REPO).get_pull(number)
    [note] = list(pull.get_review_comments())
    assert (note.path, note.line, note.body, note.user.login) == ("NOTES", 2, "say three", "bob")
    assert note.diff_hunk.endswith("\n two")
    [changed] = list(pull.get_files())
    assert (changed.filename, changed.status, changed.additions) == ("NOTES", "added", 2)
    assert changed.patch.startswith("@@") and "+two" in changed.patch
    pull.edit(body="ledger\n- revision 1")
    assert stand.gh.pulls(REPO)[0]["body"] == "ledger\n- revision 1"


def test_the_shape_checker_itself_catches_a_missing_or_mistyped_field() -> None:
    pull_schema = schema.response_schema("get", "/repos/{owner}/{repo}/pulls/{pull_number}", 200)
    found = schema.problems(pull_schema, {"number": "1", "head": {"ref": "x"}})
    assert "$: missing required 'base'" in found
    assert any(p.startswith("$.number: expected integer") for p in found)
    assert "$.head: missing required 'sha'" in found
