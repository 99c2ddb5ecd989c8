"""Routes a request to REST, git smart HTTP or a job-log download, checking credentials as GitHub does."""

from __future__ import annotations

import gzip
import io
import json
import re
import time
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.stand_ins import (
    git_http,
    github_auth,
    github_routes_checks,
    github_routes_ci,
    github_routes_pull,
    github_routes_repo,
    github_routes_reviews,
)
from tests.stand_ins.github_forks import sync_pull_refs
from tests.stand_ins.github_rest import DOCS, Call, Reply, not_found, unauthorized
from tests.stand_ins.github_shapes import Render
from tests.stand_ins.github_state import World

# GitHub Enterprise Server's REST root; PyGithub accepts base_url=http://host:port/api/v3.
API_PREFIX = "/api/v3"
ROUTES = (
    github_routes_repo.ROUTES
    + github_routes_pull.ROUTES
    + github_routes_ci.ROUTES
    + github_routes_checks.ROUTES
    + github_routes_reviews.ROUTES
)
GIT_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+?)\.git(?P<rest>/.*)$")
LOG_PATH = re.compile(r"^/_actions/logs/(?P<job_id>\d+)$")


@dataclass
class RawReply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def json_reply(reply: Reply) -> RawReply:
    reset = str(int(time.time()) + 3600)
    # GitHub sends rate-limit headers on every REST answer; PyGithub records them as Github.rate_limiting.
    headers = [
        ("X-GitHub-Media-Type", "github.v3; format=json"),
        ("X-RateLimit-Limit", "5000"),
        ("X-RateLimit-Remaining", "4999"),
        ("X-RateLimit-Reset", reset),
        ("X-RateLimit-Used", "1"),
        ("X-RateLimit-Resource", "core"),
        *reply.headers.items(),
    ]
    if reply.body is None:
        return RawReply(reply.status, headers)
    body = json.dumps(reply.body).encode()
    return RawReply(reply.status, [("Content-Type", "application/json; charset=utf-8"), *headers], body)


@dataclass
class Dispatcher:
    world: World
    render: Render
    repos_root: Path  # GIT_PROJECT_ROOT: holds {owner}/{name}.git

    def respond(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> RawReply:
        """Answer one request; `headers` have lower-case names."""
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return json_reply(self.rest(method, path.removeprefix(API_PREFIX), query, headers, body))
        if match := LOG_PATH.match(path):
            return self.job_log(int(match["job_id"]), query)
        if match := GIT_PATH.match(path):
            return self.git(method, match, query, headers, body)
        return json_reply(not_found())

    def rest(self, method: str, path: str, query: str, headers: dict[str, str], raw: bytes) -> Reply:
        found = [(r, m) for r in ROUTES if (m := r.pattern.match(path)) and r.method == method]
        if not found:
            return not_found()
        route, match = found[0]
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            return Reply(
                400, {"message": "Problems parsing JSON", "documentation_url": DOCS, "status": "400"}
            )
        credential = github_auth.bearer(headers.get("authorization"))
        if credential is None:
            return unauthorized("Requires authentication")
        params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
        call = Call(
            world=self.world,
            render=self.render,
            method=method,
            url=f"{self.render.api}{path}",
            params=params,
            query=dict(urllib.parse.parse_qsl(query)),
            body=body,
        )
        with self.world.lock:
            try:
                if route.auth == "app":
                    call.app_id = github_auth.verify_app_jwt(self.world, credential)
                else:
                    call.installation = github_auth.installation_of(self.world, credential)
            except github_auth.AuthFailed as exc:
                return unauthorized(str(exc))
            if call.installation is not None and "owner" in params:
                full_name = f"{params['owner']}/{params['repo']}"
                # GitHub hides private repositories a token cannot see behind 404, not 403.
                if full_name not in self.world.repos or full_name not in call.installation.repos:
                    return not_found()
            return route.handler(call)

    def job_log(self, job_id: int, query: str) -> RawReply:
        with self.world.lock:
            job = self.world.jobs.get(job_id)
        signature = dict(urllib.parse.parse_qsl(query)).get("sig")
        if job is None or signature != job.log_key:
            return RawReply(
                403, [("Content-Type", "text/plain")], b"AuthenticationFailed: signature mismatch\n"
            )
        return log_reply(job.log, job.log_encoding, job.log_body)

    def git(
        self, method: str, match: re.Match[str], query: str, headers: dict[str, str], body: bytes
    ) -> RawReply:
        full_name = f"{match['owner']}/{match['repo']}"
        password = github_auth.basic_password(headers.get("authorization"))
        with self.world.lock:
            try:
                inst = github_auth.installation_of(self.world, password) if password else None
            except github_auth.AuthFailed:
                inst = None
            known = full_name in self.world.repos
            if known and "git-upload-pack" in match["rest"] + query:
                # Fetches see refs/pull/{n}/head at each pull request's current head, forks' included.
                sync_pull_refs(self.world, self.world.repos[full_name])
        if inst is None:
            # No or wrong credentials: git asks its credential helper, then fails "Authentication failed".
            challenge = [("WWW-Authenticate", 'Basic realm="GitHub"'), ("Content-Type", "text/plain")]
            return RawReply(401, challenge, b"Invalid username or token.\n")
        if not known or full_name not in inst.repos:
            return RawReply(404, [("Content-Type", "text/plain")], b"Repository not found.\n")
        path_info = f"/{full_name}.git{match['rest']}"
        cgi = git_http.http_backend(
            self.repos_root, method, path_info, query, headers, body, "x-access-token"
        )
        return RawReply(cgi.status, cgi.headers, cgi.body)


def log_reply(log: str, encoding: str, body: bytes | None) -> RawReply:
    """A job log as served: plain, gzip-encoded in transit, or a zip of step logs like a run's archive."""
    if encoding == "gzip":
        data = body if body is not None else gzip.compress(log.encode())
        return RawReply(
            200, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Encoding", "gzip")], data
        )
    if encoding == "zip":
        if body is None:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("1_Set up job.txt", "Current runner version: '2.317.0'\n")
                archive.writestr("2_Run tests.txt", log)
            body = buffer.getvalue()
        return RawReply(200, [("Content-Type", "application/zip")], body)
    data = body if body is not None else log.encode()
    return RawReply(200, [("Content-Type", "text/plain; charset=utf-8")], data)
