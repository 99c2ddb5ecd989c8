"""Real bare repositories for the GitHub stand-in, served over smart HTTP by `git http-backend` (CGI)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Seed commits are made by a fixed identity at a fixed time (2024-01-01) so that repository SHAs do not
# depend on the machine's git config or clock.
SEED_AUTHOR = "Stand-in Seeder <seeder@example.com> 1704067200 +0000"
GIT_TIMEOUT = 60  # seconds; a local git command that takes longer is stuck, and the request fails with 500


def _git_env() -> dict[str, str]:
    # Ignore the developer's ~/.gitconfig (hooks, signing, templates): the stand-in behaves as in CI.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    return env


def git(*args: str, cwd: Path, extra_env: dict[str, str] | None = None) -> str:
    """Run git; a non-zero exit is a bug in the stand-in or the test, so it raises with git's own words."""
    env = _git_env() | (extra_env or {})
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def create_bare_repo(bare_path: Path, files: dict[str, str], default_branch: str) -> str:
    """Make a bare repository whose one commit holds `files`; returns that commit's SHA.

    One `git fast-import` writes the commit straight into the bare repository: three processes instead of the
    seven a scratch clone, commit and push would take, which matters when every test seeds a repository.
    """
    bare_path.mkdir(parents=True)
    git("init", "--quiet", "--bare", "-b", default_branch, str(bare_path), cwd=bare_path.parent)
    # Pushes arrive with a REMOTE_USER already, but say it plainly: this repository accepts pushes over HTTP.
    with (bare_path / "config").open("a") as config:
        config.write("[http]\n\treceivepack = true\n")
    message = b"Initial commit\n"
    stream = [f"commit refs/heads/{default_branch}\nauthor {SEED_AUTHOR}\ncommitter {SEED_AUTHOR}\n".encode()]
    stream.append(b"data %d\n%s" % (len(message), message))
    for rel, text in sorted(files.items()):
        data = text.encode()
        quoted = '"' + rel.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (quoted.encode(), len(data), data))
    done = subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=bare_path,
        env=_git_env(),
        input=b"".join(stream),
        capture_output=True,
        timeout=GIT_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git fast-import failed in {bare_path}: {done.stderr.decode(errors='replace')}")
    sha = branch_sha(bare_path, default_branch)
    assert sha is not None, "fast-import succeeded, so the branch exists"
    return sha


def files_of(source_dir: Path) -> dict[str, str]:
    """A directory's text files, minus any .git, as create_bare_repo wants them."""
    out: dict[str, str] = {}
    for path in sorted(source_dir.rglob("*")):
        rel = path.relative_to(source_dir)
        if path.is_file() and ".git" not in rel.parts and "__pycache__" not in rel.parts:
            out[rel.as_posix()] = path.read_text()
    return out


def branch_sha(bare_path: Path, branch: str) -> str | None:
    """The branch's tip as the bare repository has it right now (pushes land here), or None."""
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"],
        cwd=bare_path,
        env=_git_env(),
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        check=False,
    )
    return out.stdout.strip() or None


def branches_at(bare_path: Path, sha: str) -> list[str]:
    """The branches whose tip is `sha`."""
    out = git("for-each-ref", f"--points-at={sha}", "--format=%(refname:short)", "refs/heads", cwd=bare_path)
    return out.split()


def has_commits_beyond(bare_path: Path, base_sha: str, head_sha: str) -> bool:
    """Whether head has a commit base lacks: GitHub refuses a pull request with nothing to merge."""
    return git("rev-list", "--count", f"{base_sha}..{head_sha}", cwd=bare_path).strip() != "0"


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: list[str]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str
    message: str


def commit_info(bare_path: Path, sha: str) -> CommitInfo:
    fmt = "%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
    fields = git("show", "-s", f"--format={fmt}", sha, cwd=bare_path).split("\x00")
    return CommitInfo(
        sha=fields[0],
        tree=fields[1],
        parents=fields[2].split(),
        author_name=fields[3],
        author_email=fields[4],
        author_date=fields[5],
        committer_name=fields[6],
        committer_email=fields[7],
        committer_date=fields[8],
        message=fields[9].rstrip("\n"),
    )


@dataclass(frozen=True)
class CgiReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_backend(
    project_root: Path,
    method: str,
    path_info: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    remote_user: str,
) -> CgiReply:
    """Hand one smart-HTTP request to `git http-backend` and parse its CGI answer."""
    env = _git_env() | {
        "GIT_PROJECT_ROOT": str(project_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": remote_user,
        "REMOTE_ADDR": "127.0.0.1",
        # Protocol v2 and gzipped requests are announced in headers that http-backend reads as CGI vars.
        "HTTP_GIT_PROTOCOL": headers.get("git-protocol", ""),
        "HTTP_CONTENT_ENCODING": headers.get("content-encoding", ""),
    }
    git_exe = shutil.which("git") or "git"
    try:
        done = subprocess.run(
            [git_exe, "http-backend"],
            input=body,
            env=env,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CgiReply(500, [("Content-Type", "text/plain")], b"git http-backend timed out\n")
    head, sep, payload = done.stdout.partition(b"\r\n\r\n")
    if not sep:
        head, sep, payload = done.stdout.partition(b"\n\n")
    if not sep:
        message = b"git http-backend gave no CGI headers: " + done.stderr
        return CgiReply(500, [("Content-Type", "text/plain")], message)
    status = 200
    reply_headers: list[tuple[str, str]] = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            reply_headers.append((name.strip(), value.strip()))
    return CgiReply(status, reply_headers, payload)


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # GitHub's words: added, removed, modified, renamed
    additions: int
    deletions: int
    blob_sha: str
    patch: str  # the hunks only, from the first @@, as GitHub's `patch` field has them


_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed"}


def changed_files(bare_path: Path, base_sha: str, head_sha: str) -> list[FileChange]:
    """What a pull request changes: head against its merge base with base, as GitHub's files list shows."""
    span = f"{base_sha}...{head_sha}"
    statuses = [line.split("\t") for line in git("diff", "--name-status", span, cwd=bare_path).splitlines()]
    changes = []
    for code, *paths in statuses:
        path = paths[-1]
        numstat = git("diff", "--numstat", span, "--", path, cwd=bare_path).split("\t")
        patch = git("diff", span, "--", path, cwd=bare_path)
        blob = git("rev-parse", f"{head_sha}:{path}", cwd=bare_path).strip() if code[0] != "D" else "0" * 40
        changes.append(
            FileChange(
                path,
                _STATUS.get(code[0], "changed"),
                int(numstat[0]) if numstat[0].isdigit() else 0,
                int(numstat[1]) if len(numstat) > 1 and numstat[1].isdigit() else 0,
                blob,
                patch[patch.find("@@") :].rstrip("\n") if "@@" in patch else "",
            )
        )
    return changes
