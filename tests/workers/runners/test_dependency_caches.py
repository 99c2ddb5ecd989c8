"""Dependency caches per repository, through real sandboxes: shared by one repository's jobs, out of
another repository's sight and reach."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from workers.runners.dependency_caches import cache_dir_name, caches_for
from workers.runners.process import CommandRunner
from workers.runners.sandbox import make_runner, sandbox_available


@pytest.fixture(scope="module", autouse=True)
def _sandbox_must_work() -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI (apt-get install bubblewrap; run as root): {reason}"


def _job(tmp_path: Path, name: str, repo: str) -> tuple[CommandRunner, Path]:
    workspace = tmp_path / "jobs" / name
    workspace.mkdir(parents=True)
    data = tmp_path / "data"
    return make_runner(Settings(), workspace, caches=caches_for(data, repo)), workspace


def test_two_jobs_of_a_repository_share_its_cache_and_another_repository_cannot_reach_it(
    tmp_path: Path,
) -> None:
    first, ws1 = _job(tmp_path, "a1", "Octo/App")
    write = 'echo from-a1 > "$PIP_CACHE_DIR/marker" && mkdir -p "$GOMODCACHE" && echo "$PIP_CACHE_DIR"'
    done = first.run(write, ws1, timeout_s=30)
    assert done.ok, done.output
    a_pip = done.output.strip()
    assert a_pip == str(tmp_path.resolve() / "data" / "caches" / "octo__app" / "pip")

    second, ws2 = _job(tmp_path, "a2", "octo/app")
    seen = second.run('cat "$PIP_CACHE_DIR/marker"', ws2, timeout_s=30)
    assert (seen.ok, seen.output.strip()) == (True, "from-a1")

    other, ws3 = _job(tmp_path, "b1", "octo/other")
    own = other.run('echo "$PIP_CACHE_DIR" && touch "$PIP_CACHE_DIR/mine"', ws3, timeout_s=30)
    assert own.ok and own.output.strip() != a_pip, own.output
    # Not there at all inside B's sandbox: neither readable nor writable, whatever the permissions.
    peek = other.run(f"ls {a_pip} || cat {a_pip}/marker || echo x > {a_pip}/marker", ws3, timeout_s=30)
    assert not peek.ok and "from-a1" not in peek.output
    assert (Path(a_pip) / "marker").read_text() == "from-a1\n"
    assert not (Path(a_pip) / "mine").exists()


def test_the_cache_directories_outside_the_sandbox_stay_the_workers(tmp_path: Path) -> None:
    runner, ws = _job(tmp_path, "a1", "octo/app")
    caches = tmp_path / "data" / "caches"
    assert runner.run("true", ws, timeout_s=30).ok
    for directory in (caches, caches / "octo__app"):
        mode = directory.stat()
        assert (mode.st_uid, mode.st_mode & 0o777) == (0, 0o700)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Octo/App", "octo__app"), ("../..", "..__.."), ("a/b/c", "a__b_c"), ("x/", "x___"), ("é/ü", "____")],
)
def test_a_cache_name_is_one_path_component(name: str, expected: str) -> None:
    assert cache_dir_name(name) == expected and "/" not in cache_dir_name(name)
