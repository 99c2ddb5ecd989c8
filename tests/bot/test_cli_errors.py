"""Every command, given hostile or malformed input, ends with one line on stderr and its documented exit
code (bot/exits.py), never a traceback. Each case runs the real `codellama-bot` as a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import git
import pytest

from bot.exits import INTERNAL, INTERRUPTED, TERMINATED, run_guarded
from tests.bugs import PARENS_RIGHT
from tests.checkouts import commit_files, parens_checkout
from tests.conftest import free_port, wait_until
from tests.processes import child_env
from tests.stand_ins.tgi_server import TGIStandIn
from workers.edits import EDIT_FORMATS

CLI = [sys.executable, "-m", "bot.cli"]


def _cli(
    args: list[str], env: dict[str, str] | None = None, stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=child_env(env or {}),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert done.returncode == code, (done.returncode, done.stderr)
    for word in words:
        assert word.lower() in lines[0].lower(), (word, lines[0])
    return lines[0]


@dataclass
class Places:
    """Hostile things on disk for the table to name."""

    root: Path
    plain: Path = field(init=False)  # a directory, not a repository
    repo: Path = field(init=False)  # a committed repository
    dirty: Path = field(init=False)
    unborn: Path = field(init=False)  # `git init` and nothing committed
    foreign: Path = field(init=False)  # a repository owned by another user: git's "dubious ownership"
    terms_free: Path = field(init=False)  # source files without a single indexable term
    file: Path = field(init=False)
    binary: Path = field(init=False)
    empty_corpora: Path = field(init=False)
    broken_corpora: Path = field(init=False)

    def __post_init__(self) -> None:
        self.plain = self._dir("plain")
        (self.plain / "main.py").write_text("def main():\n    return 1\n")
        self.repo = self._repo("repo")
        self.dirty = self._repo("dirty")
        (self.dirty / "notes.txt").write_text("work in progress")
        self.unborn = self._dir("unborn")
        git.Repo.init(self.unborn)
        self.foreign = self._repo("foreign")
        for path in [self.foreign, *self.foreign.rglob("*")]:
            os.lchown(path, 4242, 4242)
        self.terms_free = self._dir("terms-free")
        (self.terms_free / "a.py").write_text("x = 1\n")
        (self.terms_free / "b.py").write_text("y = x\n")
        self.file = self.root / "a-file.txt"
        self.file.write_text("not a directory")
        self.binary = self.root / "answer.bin"
        self.binary.write_bytes(b"\xff\xfe\x00\x80" * 64)
        self.empty_corpora = self._dir("no-corpora")
        self.broken_corpora = self._dir("broken-corpora")
        data = self.broken_corpora / "humanevalfix" / "data" / "python"
        data.mkdir(parents=True)
        (data / "humanevalpack.jsonl").write_text('{"task_id": "Python/0", "not json\n')

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        return path

    def _repo(self, name: str) -> Path:
        path = self._dir(name)
        commit_files(path, {"calc.py": "def add(a, b):\n    return a - b\n"}, "initial")
        return path


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> Places:
    return Places(tmp_path_factory.mktemp("hostile"))


NO_MODEL_URL = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
NO_MODEL = {"TGI_URL": NO_MODEL_URL, "TGI_RETRIES": "0"}
SIMULATE = ["bench", "--simulate", "1"]

# (id, argv built from the places, environment, exit code, words the line must hold)
CASES: list[tuple[str, Callable[[Places], list[str]], dict[str, str], int, tuple[str, ...]]] = [
    ("no command", lambda p: [], {}, 2, ("required",)),
    ("unknown command", lambda p: ["repair"], {}, 2, ("invalid choice", "fix")),
    ("unknown option", lambda p: ["locate", str(p.repo), "--frobnicate"], {}, 2, ("unrecognized",)),
    ("serve port out of range", lambda p: ["serve", "--port", "70000"], {}, 2, ("--port", "65535")),
    ("serve port not a number", lambda p: ["serve", "--port", "http"], {}, 2, ("--port",)),
    ("serve without secrets", lambda p: ["serve"], {}, 2, ("GITHUB_WEBHOOK_SECRET",)),
    (
        "serve with a bad setting",
        lambda p: ["serve"],
        {"BOT_MAX_ITERATIONS": "many"},
        2,
        ("BOT_MAX_ITERATIONS",),
    ),
    (
        "serve with an unknown edit format",
        lambda p: ["serve"],
        {"EDIT_FORMAT": "udiff-simple"},
        2,
        ("EDIT_FORMAT", *EDIT_FORMATS),
    ),
    ("worker concurrency 0", lambda p: ["worker", "--concurrency", "0"], {}, 2, ("--concurrency",)),
    (
        "worker key file missing",
        lambda p: ["worker"],
        {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_PATH": "/nonexistent/app.pem"},
        2,
        ("/nonexistent/app.pem",),
    ),
    ("fix without a path", lambda p: ["fix"], {}, 2, ("path",)),
    ("fix on a missing path", lambda p: ["fix", str(p.root / "missing")], {}, 2, ("does not exist",)),
    ("fix on a file", lambda p: ["fix", str(p.file)], {}, 2, ("not a directory",)),
    ("fix on a plain directory", lambda p: ["fix", str(p.plain)], NO_MODEL, 2, ("not a git repository",)),
    (
        "fix on another user's repository",
        lambda p: ["fix", str(p.foreign)],
        NO_MODEL,
        2,
        ("dubious ownership", "safe.directory"),
    ),
    ("fix before the first commit", lambda p: ["fix", str(p.unborn)], NO_MODEL, 2, ("no commit",)),
    ("fix on a dirty checkout", lambda p: ["fix", str(p.dirty)], NO_MODEL, 2, ("uncommitted",)),
    ("fix without a model server", lambda p: ["fix", str(p.repo)], NO_MODEL, 2, ("model", NO_MODEL_URL)),
    ("apply without --answer", lambda p: ["apply", str(p.repo)], {}, 2, ("--answer",)),
    ("apply a missing answer", lambda p: ["apply", str(p.repo), "--answer", str(p.root / "x")], {}, 2, ()),
    ("apply a directory as answer", lambda p: ["apply", str(p.repo), "--answer", str(p.root)], {}, 2, ()),
    ("apply a binary answer", lambda p: ["apply", str(p.repo), "--answer", str(p.binary)], {}, 2, ()),
    (
        "apply to a missing checkout",
        lambda p: ["apply", str(p.root / "x"), "--answer", str(p.file)],
        {},
        2,
        (),
    ),
    ("locate a missing path", lambda p: ["locate", str(p.root / "missing")], {}, 2, ("does not exist",)),
    ("locate a file", lambda p: ["locate", str(p.file)], {}, 2, ("not a directory",)),
    ("locate --top 0", lambda p: ["locate", str(p.repo), "--top", "0"], {}, 2, ("--top",)),
    ("locate --top text", lambda p: ["locate", str(p.repo), "--top", "ten"], {}, 2, ("--top",)),
    ("locate --log a directory", lambda p: ["locate", str(p.repo), "--log", str(p.root)], {}, 2, ("--log",)),
    (
        "locate --log missing",
        lambda p: ["locate", str(p.repo), "--log", str(p.root / "x")],
        {},
        2,
        ("--log",),
    ),
    (
        "locate --issue and --issue-file",
        lambda p: ["locate", str(p.repo), "--issue", "x", "--issue-file", str(p.file)],
        {},
        2,
        ("not allowed",),
    ),
    (
        "locate --test without a sandbox",
        lambda p: ["locate", str(p.repo), "--test", "true"],
        {"SANDBOX": "false"},
        2,
        ("ALLOW_UNSANDBOXED",),
    ),
    ("bench without a dataset", lambda p: ["bench", "--simulate", "1"], {}, 2, ("--dataset",)),
    (
        "bench without the corpora",
        lambda p: [*SIMULATE, "--dataset", "quixbugs", "--corpora", str(p.empty_corpora)],
        {},
        2,
        ("corpus is not at", "--corpora"),
    ),
    (
        "bench in cobol",
        lambda p: [*SIMULATE, "--dataset", "humanevalfix", "--language", "cobol"],
        {},
        2,
        ("cobol", "python", "js", "go", "rust", "java", "cpp"),
    ),
    (
        "bench QuixBugs in js",
        lambda p: [*SIMULATE, "--dataset", "quixbugs", "--language", "js"],
        {},
        2,
        ("python tasks only",),
    ),
    (
        "bench on a broken corpus",
        lambda p: [*SIMULATE, "--dataset", "humanevalfix", "--corpora", str(p.broken_corpora)],
        {},
        2,
        ("cannot read",),
    ),
    ("bench --simulate 1.5", lambda p: ["bench", "--dataset", "quixbugs", "--simulate", "1.5"], {}, 2, ()),
    ("bench --simulate nan", lambda p: ["bench", "--dataset", "quixbugs", "--simulate", "nan"], {}, 2, ()),
    ("bench --k 0", lambda p: [*SIMULATE, "--dataset", "quixbugs", "--k", "0"], {}, 2, ("--k",)),
    ("bench --rounds -1", lambda p: [*SIMULATE, "--dataset", "quixbugs", "--rounds", "-1"], {}, 2, ()),
    (
        "bench an unknown task",
        lambda p: [*SIMULATE, "--dataset", "quixbugs", "--task", "quixbugs-nope"],
        {},
        2,
        ("no such task",),
    ),
]


@pytest.mark.parametrize(("argv", "env", "code", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_one_line_and_an_exit_code(
    places: Places,
    argv: Callable[[Places], list[str]],
    env: dict[str, str],
    code: int,
    words: tuple[str, ...],
) -> None:
    assert_one_line(_cli(argv(places), env), code, *words)


def test_the_foreign_repository_really_trips_git(places: Places) -> None:
    """The dubious-ownership case is git's own refusal, not a permission error we made up."""
    done = subprocess.run(
        ["git", "-C", str(places.foreign), "status"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode != 0 and "dubious ownership" in done.stderr


def test_locate_on_files_without_a_term_ranks_nothing(places: Places) -> None:
    done = _cli(["locate", str(places.terms_free), "--issue", "the sum is wrong"])
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "no candidates" in done.stdout


def test_a_closed_stdout_is_exit_141_and_silent(places: Places) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: every write fails with EPIPE
    try:
        done = _cli(["locate", str(places.repo), "--issue", "add is wrong"], stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == 141 and "Traceback" not in done.stderr, done.stderr


def test_an_unexpected_error_is_one_line_and_70_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> int:
        return {}["missing"]  # type: ignore[no-any-return]

    assert run_guarded(broken, debug=False) == INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: KeyError" in err and "--debug" in err
    assert run_guarded(broken, debug=True) == INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_debug_shows_the_traceback_of_an_expected_error_too(places: Places) -> None:
    done = _cli(["--debug", "fix", str(places.plain)], NO_MODEL)
    assert done.returncode == 2 and "Traceback" in done.stderr and "UsageError" in done.stderr
    done = _cli(["fix", str(places.plain), "--debug"], NO_MODEL)
    assert done.returncode == 2 and "Traceback" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, INTERRUPTED), (signal.SIGTERM, TERMINATED)])
def test_stopping_fix_while_the_model_thinks(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    """Ctrl-C (or SIGTERM) while four answers are being generated: prompt exit, one line, cleaned up."""
    checkout = tmp_path / "checkout"
    parens_checkout(checkout)
    env = child_env(
        {"CANDIDATES": "4", "TGI_RETRIES": "1", "TGI_TIMEOUT_S": "600", "BOT_WORKDIR": str(tmp_path)}
    )
    # A model that takes ten minutes per answer: only an interrupted wait can end the run in time.
    with TGIStandIn([PARENS_RIGHT] * 4, delay_s=600) as tgi:
        env["TGI_URL"] = tgi.url
        proc = subprocess.Popen(
            [*CLI, "fix", str(checkout), "--test", "python -m pytest -q -p no:cacheprovider"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until(lambda: len(tgi.requests) >= 1, 180, "the first generation request")
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == code, err
    assert "Traceback" not in err, err
    ours = [line for line in err.splitlines() if line.startswith("codellama-bot:")]
    assert len(ours) == 1 and ("interrupted" if sig == signal.SIGINT else "terminated") in ours[0], err
    # The scratch worktree went with it: the user's repository lists only itself.
    worktrees = git.Repo(checkout).git.worktree("list").splitlines()
    assert len(worktrees) == 1, worktrees
