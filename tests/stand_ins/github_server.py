"""A GitHub stand-in for tests: a real HTTP server on 127.0.0.1 speaking GitHub REST v3 and git smart HTTP.

Production code runs unchanged against it. Give PyGithub `base_url=gh.api_url` (http://127.0.0.1:PORT/api/v3,
the GitHub Enterprise Server form of base URL, which PyGithub accepts) and clone `repo.clone_url` as the API
returns it (http://127.0.0.1:PORT/{owner}/{name}.git, user `x-access-token`, password an installation token).

Production-side calls covered (PyGithub 2.x -> REST; o/r = owner/repo):
  GithubIntegration.get_access_token(id)       POST /app/installations/{id}/access_tokens  (App JWT, RS256)
  GithubIntegration.get_app_installation(id)   GET  /app/installations/{id}                (App JWT)
  GithubIntegration.get_repo_installation()    GET  /repos/o/r/installation                (App JWT)
  Github.get_repo("o/r")                       GET  /repos/o/r
  Repository.get_collaborator_permission(u)    GET  /repos/o/r/collaborators/{u}/permission
  Repository.get_branch(name)                  GET  /repos/o/r/branches/{name}  (live refs of the bare repo)
  Repository.get_commit(sha)                   GET  /repos/o/r/commits/{ref}
  Repository.get_issue(n), Issue.get_comments()   GET /repos/o/r/issues/{n}[/comments]
  Issue.create_comment, PullRequest.create_issue_comment
                                               POST /repos/o/r/issues/{n}/comments
  Issue.get_comment(id), IssueComment.edit()   GET, PATCH /repos/o/r/issues/comments/{id}
  IssueComment.create_reaction("eyes")         POST /repos/o/r/issues/comments/{id}/reactions (201, 200 again)
  Repository.get_pull(n), get_pulls(state=, head="o:branch", base=)
                                               GET  /repos/o/r/pulls[/{n}]
  PullRequest.edit(body=, title=)              PATCH /repos/o/r/pulls/{n}
  PullRequest.get_review_comments()            GET  /repos/o/r/pulls/{n}/comments
  PullRequest.get_files()                      GET  /repos/o/r/pulls/{n}/files  (git diff base...head)
  Repository.create_pull(base, head, title, body)
                                               POST /repos/o/r/pulls  (422 like GitHub: unknown head or base,
                                                    "A pull request already exists for o:branch.", no commits)
  Repository.get_workflow_run(id), WorkflowRun.jobs()
                                               GET  /repos/o/r/actions/runs/{id}[/jobs]
  WorkflowJob.logs_url()                       GET  /repos/o/r/actions/jobs/{id}/logs -> 302 to a signed,
                                                    token-free plain-text URL on this server
  Repository.get_check_suite(id), CheckSuite.get_check_runs(), Repository.get_check_run(id)
                                               GET  /repos/o/r/check-suites/{id}[/check-runs], check-runs/{id}
  Repository.create_check_run(...), CheckRun.edit(...)
                                               POST /repos/o/r/check-runs, PATCH /repos/o/r/check-runs/{id}
                                                    (bodies checked against the OpenAPI description: 422
                                                    like GitHub; the commit must exist; history kept)
  PullRequest.create_review(commit, body, event, comments), get_reviews()
                                               POST, GET /repos/o/r/pulls/{n}/reviews (the body checked
                                                    against GitHub's OpenAPI request schema; line comments
                                                    only inside one hunk of the diff, else 422)
  git fetch origin refs/pull/{n}/head          every pull request's head, a fork's too (fork_repo)
  Github.get_rate_limit()                      GET  /rate_limit
  git clone, fetch, push (GitPython, git)      {clone_url}/info/refs, git-upload-pack, git-receive-pack
Anything else answers 404 {"message": "Not Found", "documentation_url": ...}. Writes made with an
installation token are authored by `<app slug>[bot]` (type Bot), as on GitHub. `gh.requests` shows REST
paths without the /api/v3 prefix.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.stand_ins import git_http, github_auth
from tests.stand_ins.github_dispatch import API_PREFIX, Dispatcher
from tests.stand_ins.github_http import Fault, Server
from tests.stand_ins.github_routes_reviews import render_review
from tests.stand_ins.github_seed import (
    seed_check_suite,
    seed_comment,
    seed_issue,
    seed_pull,
    seed_review_comment,
    seed_workflow_run,
)
from tests.stand_ins.github_shapes import Json, Render
from tests.stand_ins.github_shapes_ci import render_check_run, render_run, render_suite
from tests.stand_ins.github_shapes_pull import render_pull, render_review_comment
from tests.stand_ins.github_state import App, Installation, Repo, World, now

ROLES = ("admin", "maintain", "write", "triage", "read", "none")


class GitHubStandIn:
    """Start with `with GitHubStandIn(tmp_path) as gh:`; seed state, point production code at it, inspect."""

    def __init__(self, root_dir: Path, token_lifetime: timedelta = timedelta(hours=1)) -> None:
        """`token_lifetime`: how long installation tokens stay valid (GitHub: one hour); expired ones get
        401 "Bad credentials" from the API and git, as on GitHub."""
        self.root_dir = Path(root_dir)
        self.world = World()
        self.world.token_lifetime = token_lifetime
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> GitHubStandIn:
        self.root_dir.mkdir(parents=True, exist_ok=True)
        placeholder = Render(self.world, "", "")
        self._server = Server(Dispatcher(self.world, placeholder, self.root_dir / "repos"))
        port = self._server.server_address[1]
        self.web_url = f"http://127.0.0.1:{port}"
        self.api_url = self.web_url + API_PREFIX
        self.render = Render(self.world, self.web_url, self.api_url)
        self._server.dispatcher.render = self.render
        # A short poll interval makes stop() prompt; serve_forever only notices shutdown between polls.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="github-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and free the port; a bug in the stand-in itself (answered 500 at the time) is raised here."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if server.errors:
            raise RuntimeError("the GitHub stand-in failed while answering:\n" + "\n".join(server.errors))

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.stop()
        except RuntimeError:
            if exc is None:  # do not hide the test's own failure behind the stand-in's
                raise

    # seeding

    def register_app(
        self, app_id: int, slug: str = "codellama-bot", private_key_pem: str | None = None
    ) -> str:
        """Register a GitHub App; returns its private key (PEM) for Auth.AppAuth / GITHUB_PRIVATE_KEY.

        A fresh 2048-bit key unless `private_key_pem` is given (tests may reuse one to skip key generation).
        """
        private_pem, public_pem = github_auth.key_pair(private_key_pem)
        with self.world.lock:
            self.world.apps[app_id] = App(app_id, slug, public_pem)
            self.world.user_id(f"{slug}[bot]")
        return private_pem

    def add_installation(
        self, app_id: int, installation_id: int, repos: list[str], account: str | None = None
    ) -> None:
        with self.world.lock:
            if app_id not in self.world.apps:
                raise KeyError(f"register_app({app_id}) before adding installations for it")
            owner = account or (repos[0].split("/")[0] if repos else "octocat")
            self.world.user_id(owner)
            self.world.installations[installation_id] = Installation(
                installation_id, app_id, owner, set(repos)
            )

    def create_repo(
        self,
        full_name: str,
        source_dir: Path | None = None,
        files: dict[str, str] | None = None,
        default_branch: str = "main",
    ) -> str:
        """A private repository whose one commit holds `files` or `source_dir`'s files; returns its SHA."""
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", full_name):
            raise ValueError(f"repository names look like owner/name, not {full_name!r}")
        content = git_http.files_of(source_dir) if source_dir is not None else dict(files or {})
        if not content:
            raise ValueError("create_repo needs source_dir or files with at least one file")
        bare = self.root_dir / "repos" / f"{full_name}.git"
        sha = git_http.create_bare_repo(bare, content, default_branch)
        with self.world.lock:
            repo = Repo(self.world.new_id(), full_name, default_branch, bare)
            self.world.repos[full_name] = repo
            self.world.user_id(repo.owner)
        return sha

    def fork_repo(self, full_name: str, fork_full_name: str) -> None:
        """A fork of `full_name` owned by someone else: a bare clone with every branch. The App is not
        installed on it unless a test says so, as with a contributor's fork on GitHub."""
        source = self.world.repo(full_name)
        bare = self.root_dir / "repos" / f"{fork_full_name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        git_http.git("clone", "--quiet", "--bare", str(source.bare_path), str(bare), cwd=bare.parent)
        with self.world.lock:
            repo = Repo(self.world.new_id(), fork_full_name, source.default_branch, bare, parent=full_name)
            self.world.repos[fork_full_name] = repo
            self.world.user_id(repo.owner)

    def set_permission(self, full_name: str, login: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; GitHub's roles are {', '.join(ROLES)}")
        with self.world.lock:
            self.world.repo(full_name).permissions[login] = role
            self.world.user_id(login)

    def add_issue(
        self,
        full_name: str,
        title: str,
        body: str | None = "",
        user: str = "alice",
        labels: list[str] | None = None,
    ) -> int:
        with self.world.lock:
            return seed_issue(self.world, full_name, title, body, user, labels or [])

    def add_pull(
        self,
        full_name: str,
        head: str,
        base: str | None = None,
        title: str = "A change",
        body: str | None = "",
        user: str = "alice",
        head_repo: str | None = None,
    ) -> int:
        """An open pull request from branch `head` (which must already exist, e.g. pushed by the test), of
        `full_name` or of the fork `head_repo`; `refs/pull/{n}/head` follows it."""
        with self.world.lock:
            return seed_pull(self.world, full_name, head, base, title, body, user, head_repo)

    def add_issue_comment(self, full_name: str, number: int, body: str, user: str = "alice") -> Json:
        with self.world.lock:
            return self.render.comment(seed_comment(self.world, full_name, number, body, user))

    def add_review_comment(
        self, full_name: str, number: int, path: str, line: int, body: str, user: str = "alice"
    ) -> Json:
        """A review comment on line `line` of `path` at the pull request's head."""
        with self.world.lock:
            found = seed_review_comment(self.world, full_name, number, path, line, body, user)
            return render_review_comment(self.render, self.world.repo(full_name), found)

    def add_workflow_run(
        self,
        full_name: str,
        head_branch: str,
        head_sha: str,
        conclusion: str | None = "failure",
        jobs: list[dict[str, Any]] | None = None,
        name: str = "CI",
        event: str = "push",
    ) -> Json:
        """A completed Actions run; each job is {"name", "conclusion", "log"}. Returns the run's API JSON."""
        with self.world.lock:
            run = seed_workflow_run(
                self.world, full_name, head_branch, head_sha, conclusion, jobs or [], name, event
            )
            return render_run(self.render, run)

    def add_check_suite(
        self,
        full_name: str,
        head_branch: str,
        head_sha: str,
        conclusion: str | None = "failure",
        check_runs: list[dict[str, Any]] | None = None,
        app_slug: str = "jenkins",
    ) -> Json:
        """A check suite from a non-Actions CI; each check run is {"name", "conclusion", "output": {...}}."""
        with self.world.lock:
            suite = seed_check_suite(
                self.world, full_name, head_branch, head_sha, conclusion, check_runs or [], app_slug
            )
            return render_suite(self.render, suite)

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next `times` requests whose path (REST without /api/v3) matches get `status` instead.

        403/429 without a body answer as GitHub's primary rate limit (X-RateLimit-Remaining: 0, reset in 1 s).
        times=0 cancels what is still pending for that method and pattern: GitHub is back.
        """
        assert self._server is not None, "start the stand-in first"
        self._server.add_fault(
            Fault(method.upper(), re.compile(path_regex), status, times, dict(headers or {}), body)
        )

    def expire_tokens(self) -> None:
        """Expire every installation token issued so far, as if an hour had passed on GitHub."""
        with self.world.lock:
            for token in self.world.tokens.values():
                token.expires_at = min(token.expires_at, now() - timedelta(seconds=1))

    # inspection

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        assert self._server is not None, "start the stand-in first"
        with self._server.lock:
            return list(self._server.requests)

    def repository(self, full_name: str) -> Json:
        with self.world.lock:
            return self.render.repository(self.world.repo(full_name))

    def issue(self, full_name: str, number: int) -> Json:
        with self.world.lock:
            repo = self.world.repo(full_name)
            return self.render.issue(repo, repo.issues[number])

    def pulls(self, full_name: str) -> list[Json]:
        with self.world.lock:
            repo = self.world.repo(full_name)
            return [render_pull(self.render, repo, p) for _, p in sorted(repo.pulls.items())]

    def reviews(self, full_name: str, number: int) -> list[Json]:
        """The pull request's reviews, each with its line comments under "comments"."""
        with self.world.lock:
            repo = self.world.repo(full_name)
            found = sorted(
                (
                    r
                    for r in self.world.reviews.values()
                    if (r.full_name, r.pull_number) == (full_name, number)
                ),
                key=lambda r: r.review_id,
            )
            return [
                render_review(self.render, repo, r)
                | {"comments": [
                    render_review_comment(self.render, repo, c)
                    for c in sorted(self.world.review_comments.values(), key=lambda c: c.comment_id)
                    if c.review_id == r.review_id
                ]}
                for r in found
            ]  # fmt: skip

    def issue_comments(self, full_name: str, number: int) -> list[Json]:
        with self.world.lock:
            return [self.render.comment(c) for c in self.world.comments_on(full_name, number)]

    def comment_history(self, comment_id: int) -> list[str]:
        """The bodies a comment had before its current one, oldest first."""
        with self.world.lock:
            return list(self.world.comments[comment_id].history)

    def check_runs(self, full_name: str, head_sha: str, name: str | None = None) -> list[Json]:
        """The check runs on a commit (optionally only those called `name`), oldest first."""
        with self.world.lock:
            found = [
                render_check_run(self.render, run)
                for suite in self.world.suites.values()
                if (suite.full_name, suite.head_sha) == (full_name, head_sha)
                for run in suite.check_runs
                if name in (None, run.name)
            ]
        return sorted(found, key=lambda run: run["id"])

    def check_run_annotations(self, check_run_id: int) -> list[dict[str, object]]:
        with self.world.lock:
            return [dict(a) for a in self.world.check_runs[check_run_id].annotations]

    def check_run_history(self, check_run_id: int) -> list[dict[str, str | None]]:
        """Every state the API gave this check run, oldest first: status, conclusion, title, summary,
        details_url."""
        with self.world.lock:
            return [dict(state) for state in self.world.check_runs[check_run_id].history]

    def reactions(self, comment_id: int) -> list[Json]:
        with self.world.lock:
            return [
                {"id": r.reaction_id, "content": r.content, "user": self.render.user(r.user)}
                for r in self.world.reactions.get(comment_id, [])
            ]

    def token_valid(self, token: str) -> bool:
        """Whether the stand-in still takes this installation token (it was issued and has not expired)."""
        with self.world.lock:
            record = self.world.tokens.get(token)
            return record is not None and record.expires_at > now()

    @property
    def installation_tokens_issued(self) -> list[str]:
        """Every installation token minted so far, oldest first (to prove none leaks into logs or configs)."""
        with self.world.lock:
            return list(self.world.tokens)

    def bare_repo_path(self, full_name: str) -> Path:
        return self.world.repo(full_name).bare_path
