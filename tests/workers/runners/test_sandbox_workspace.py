"""The workspace between runs: what one run leaves behind must not turn the worker's next step against it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from core.settings import Settings
from workers.runners.sandbox import BubblewrapRunner, SandboxLimits, make_runner, sandbox_available
from workers.runners.sandbox.users import ensure_sandbox_user, grant_workspace

LIMITS = SandboxLimits(cpu_s=30, memory_mb=512, max_procs=64, max_file_mb=16, wall_s=60, output_bytes=50_000)


@pytest.fixture(scope="module", autouse=True)
def _sandbox_must_work() -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI (apt-get install bubblewrap; run as root): {reason}"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "main"
    path.mkdir()
    (path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    _git(path, "init", "-q")
    _git(path, "add", ".")
    _git(path, "commit", "-qm", "base")
    return path


def test_handing_over_the_workspace_never_follows_symlinks(tmp_path: Path) -> None:
    workspace = tmp_path / "job"
    workspace.mkdir()
    host_file = tmp_path / "host-owned.txt"
    host_file.write_text("root's\n")
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    (host_dir / "inside.txt").write_text("root's too\n")
    (workspace / "link").symlink_to(host_file)
    (workspace / "dirlink").symlink_to(host_dir)
    grant_workspace(workspace, ensure_sandbox_user())
    assert host_file.stat().st_uid == 0 and host_dir.stat().st_uid == 0
    assert (host_dir / "inside.txt").stat().st_uid == 0


def test_symlinks_the_tests_point_outside_from_tracked_paths_are_removed(repo: Path, tmp_path: Path) -> None:
    # The worker writes the model's edits as root: calc.py -> a host file would send them there.
    host_file = tmp_path / "bashrc"
    host_file.write_text("root's\n")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "mod.py").write_text("X = 1\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "shared").symlink_to("/usr/share")  # the repository's own symlink
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "more")
    runner = BubblewrapRunner(repo, LIMITS)
    result = runner.run(
        f"rm calc.py && ln -s {host_file} calc.py && rm -r pkg && ln -s /etc pkg"
        " && python -m venv --without-pip .venv && ln -s /etc untracked-link && echo made",
        repo,
        timeout_s=60,
    )
    assert "made" in result.output, result.output
    assert not (repo / "calc.py").is_symlink() and not (repo / "pkg").is_symlink()
    assert (repo / "docs" / "shared").is_symlink()
    assert host_file.read_text() == "root's\n"
    # Untracked symlinks stay, so a virtualenv made by setup keeps working in the next run.
    assert (repo / "untracked-link").is_symlink()
    again = runner.run(".venv/bin/python -c 'import sys; print(sys.prefix)'", repo, timeout_s=30)
    assert again.ok and f"{repo}/.venv" in again.output, again.output


def test_git_works_inside_and_for_the_worker_afterwards(repo: Path) -> None:
    runner = BubblewrapRunner(repo, LIMITS)
    result = runner.run(
        "git log --oneline && echo '# new' >> calc.py && git status --short", repo, timeout_s=30
    )
    assert result.ok, result.output
    assert "base" in result.output and "M calc.py" in result.output
    # The worker, as root, commits the change: the top directory and .git stayed its own.
    assert (repo / ".git").stat().st_uid == 0 and repo.stat().st_uid == 0
    _git(repo, "commit", "-qam", "after the sandbox")
    assert _git(repo, "log", "--format=%s") == "after the sandbox\nbase\n"


def test_a_candidate_worktree_sees_history_but_cannot_touch_the_main_repository(
    repo: Path, tmp_path: Path
) -> None:
    candidate = tmp_path / "candidate-1"
    _git(repo, "worktree", "add", "-q", "-b", "candidate-1", str(candidate))
    runner = BubblewrapRunner(candidate, LIMITS)
    result = runner.run(
        f"git log --oneline; cat {repo}/calc.py; echo '[core] fsmonitor = x' >> {repo}/.git/config;"
        f" echo hook > {repo}/.git/hooks/post-checkout; rm .git",
        candidate,
        timeout_s=30,
    )
    assert "base" in result.output
    assert f"{repo}/calc.py: No such file or directory" in result.output
    assert "fsmonitor" not in (repo / ".git" / "config").read_text()
    assert not (repo / ".git" / "hooks" / "post-checkout").exists()
    assert (candidate / ".git").is_file()
    assert _git(candidate, "rev-parse", "--abbrev-ref", "HEAD").strip() == "candidate-1"


def test_a_gitfile_written_by_the_tests_is_not_followed_into_the_host(tmp_path: Path) -> None:
    workspace = tmp_path / "job"
    workspace.mkdir()
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "key.pem").write_text("PRIVATE")
    runner = BubblewrapRunner(workspace, LIMITS)
    # No .git yet: the tests may create one, pointing where they would like to read.
    assert runner.run(f"echo 'gitdir: {secrets}' > .git", workspace, timeout_s=30).ok
    result = runner.run(f"cat {secrets}/key.pem", workspace, timeout_s=30)
    assert result.exit_code != 0
    assert "PRIVATE" not in result.output


def test_a_job_directory_holding_the_repository_and_its_venv(tmp_path: Path) -> None:
    # workers/github/job.py hands the sandbox the job directory, with the clone in repo/ and a venv beside it.
    job_dir = tmp_path / "job"
    job_dir.mkdir()
    repo = job_dir / "repo"
    repo.mkdir()
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    runner = BubblewrapRunner(job_dir, LIMITS)
    result = runner.run(
        "python -m venv --without-pip --system-site-packages ../venv"
        " && ../venv/bin/python -c 'import pytest' && sed -i 's/a - b/a + b/' calc.py && git diff --stat",
        repo,
        timeout_s=60,
    )
    assert result.ok, result.output
    assert "calc.py | 2 +-" in result.output
    # The venv's interpreter is a symlink out of the workspace; it survives into the next run.
    assert runner.run("../venv/bin/python -c 'import pytest'", repo, timeout_s=30).ok
    assert repo.stat().st_uid == 0 and (repo / ".git").stat().st_uid == 0
    _git(repo, "commit", "-qam", "fixed in the sandbox")
    assert "a + b" in _git(repo, "show", "HEAD:calc.py")


def test_a_worktree_below_the_workspace_of_a_repository_elsewhere(repo: Path, tmp_path: Path) -> None:
    # workers/local/fix.py: the sandbox gets a scratch directory; its repo/ is a worktree of the user's clone.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _git(repo, "worktree", "add", "-q", "--detach", str(scratch / "repo"), "HEAD")
    runner = BubblewrapRunner(scratch, LIMITS)
    result = runner.run("git log --format=%s && git status --short", scratch / "repo", timeout_s=30)
    assert result.ok, result.output
    assert result.output.startswith("base\n")
    assert _git(scratch / "repo", "status", "--short") == ""


def test_a_key_file_where_the_sandbox_can_see_is_masked(tmp_path: Path) -> None:
    # Operators may keep the App's key under /etc; here a read-only bind plays that part.
    config = tmp_path / "etc-codellama"
    config.mkdir()
    (config / "app.pem").write_text("-----BEGIN PRIVATE KEY----- secret")
    (config / "public.txt").write_text("visible")
    (config / "keys.d").mkdir()
    (config / "keys.d" / "old.pem").write_text("old secret")
    workspace = tmp_path / "job"
    workspace.mkdir()
    runner = BubblewrapRunner(
        workspace, LIMITS, extra_ro_binds=[config], hidden=[config / "app.pem", config / "keys.d"]
    )
    result = runner.run(
        f"cat {config}/public.txt; cat {config}/app.pem; ls {config}/keys.d", workspace, timeout_s=30
    )
    assert "visible" in result.output
    assert "secret" not in result.output
    assert f"ls: cannot open directory '{config}/keys.d': Permission denied" in result.output


def test_make_runner_masks_the_configured_key_file(tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----")
    runner = make_runner(Settings(github_private_key_path=key), tmp_path / "job")
    assert isinstance(runner, BubblewrapRunner) and runner.hidden == (key.resolve(),)


def test_a_repository_planted_by_the_tests_is_gone_before_the_worker_runs_git(
    repo: Path, tmp_path: Path
) -> None:
    # Staged as a gitlink, a nested repository's core.fsmonitor would run as root at the worker's next
    # `git status` (git sets GIT_DIR for the inner status, which skips its ownership check).
    pwned = tmp_path / "pwned"
    runner = BubblewrapRunner(repo, LIMITS)
    result = runner.run(
        "mkdir -p vendor/lib && cd vendor/lib && git init -q && echo x > x && git add x"
        " && git -c user.name=t -c user.email=t@example.com commit -qm planted"
        f" && git config core.fsmonitor 'touch {pwned}; false' && echo planted",
        repo,
        timeout_s=30,
    )
    assert "planted" in result.output, result.output
    assert not (repo / "vendor" / "lib" / ".git").exists()
    assert (repo / "vendor" / "lib" / "x").exists()  # the tests' files stay; only the repository goes
    _git(repo, "add", "-A")
    _git(repo, "status")
    _git(repo, "diff", "--cached")
    assert not pwned.exists()
    assert (repo / ".git").is_dir()  # the worker's own repository is untouched
