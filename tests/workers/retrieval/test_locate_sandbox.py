"""`codellama-bot locate --test` runs the repository's tests in the sandbox `fix` uses, on a copy.

The repository's own test probes what it can reach and calls a function named for each thing it reached;
the tracer's coverage in locate's JSON then says which of those functions ran. Nothing else is trusted: the
probe's findings leave the sandbox only as line coverage, the way locate's own evidence does.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import child_env
from workers.runners.sandbox import sandbox_available

pytestmark = pytest.mark.slow

# One function per file: locate lists at most three symbols of a file.
PROBES = (
    "read_a_secret_file",
    "saw_a_secret_variable",
    "reached_the_network",
    "ran_as_root",
    "ran_in_the_checkout",
    "contained",
)

TEST = """
import os
import socket

from contained import contained
from ran_as_root import ran_as_root
from ran_in_the_checkout import ran_in_the_checkout
from reached_the_network import reached_the_network
from read_a_secret_file import read_a_secret_file
from saw_a_secret_variable import saw_a_secret_variable

MARKER = {marker!r}
SECRET_FILES = {secret_files!r}
PORT = {port}
CHECKOUT = {checkout!r}


def test_what_the_tests_can_reach():
    for path in SECRET_FILES:
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            text = ""
        if MARKER in text:
            read_a_secret_file()
    if any(MARKER in value for value in os.environ.values()):
        saw_a_secret_variable()
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
        reached_the_network()
    except OSError:
        pass
    if os.getuid() == 0:
        ran_as_root()
    if os.path.realpath(".") == CHECKOUT:
        ran_in_the_checkout()
    open("litter.txt", "w").write("the tests write where they run")
    contained()
    assert False, "fails on purpose: coverage counts the lines failing tests run"
"""
LEAKS = PROBES[:-1]
TEST_COMMAND = "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider test_probe.py"
LOCATE = [sys.executable, "-m", "bot.cli", "locate"]


@pytest.fixture(scope="module", autouse=True)
def _sandbox_must_work() -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work here (apt-get install bubblewrap; run as root): {reason}"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A port on the host's loopback that the tests must not reach."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0)
    yield sock
    sock.close()


@pytest.fixture
def key_in_a_visible_place() -> Iterator[Path]:
    """A readable key file inside the Python prefix, which the sandbox mounts: only its mask hides it."""
    path = Path(sys.prefix, f"codellama-locate-test-{uuid.uuid4().hex}.pem")
    yield path
    path.unlink(missing_ok=True)


def _snapshot(root: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every entry's owner, group, mode and content hash: what 'untouched' means."""
    found = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[str(path.relative_to(root))] = (st.st_uid, st.st_gid, st.st_mode, digest)
    return found


def _locate(checkout: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOCATE, str(checkout), "--json", "--top=20", "--test", TEST_COMMAND],
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _checkout(tmp_path: Path, marker: str, secret_files: list[str], port: int) -> Path:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in PROBES:
        (checkout / f"{name}.py").write_text(f"def {name}():\n    return {name!r}\n")
    test = TEST.format(marker=marker, secret_files=secret_files, port=port, checkout=str(checkout.resolve()))
    (checkout / "test_probe.py").write_text(test)
    return checkout


def _covered(output: str) -> set[str]:
    """The symbols that locate found run by the failing test."""
    return {e["symbol"] for e in json.loads(output) if any(r.startswith("coverage:") for r in e["reasons"])}


def test_the_tests_run_sandboxed_on_a_copy(
    tmp_path: Path, listener: socket.socket, key_in_a_visible_place: Path
) -> None:
    marker = uuid.uuid4().hex
    key_in_a_visible_place.write_text(f"-----BEGIN RSA PRIVATE KEY----- {marker}\n")
    key_in_a_visible_place.chmod(0o644)
    outside = tmp_path / "outside-the-checkout.txt"
    outside.write_text(marker)
    outside.chmod(0o644)
    secrets = [str(key_in_a_visible_place), str(outside)]
    checkout = _checkout(tmp_path, marker, secrets, listener.getsockname()[1])
    before = _snapshot(checkout)
    done = _locate(
        checkout,
        {"GITHUB_PRIVATE_KEY_PATH": str(key_in_a_visible_place), "GITHUB_WEBHOOK_SECRET": f"hook-{marker}"},
    )
    assert done.returncode == 0, done.stderr
    ran = _covered(done.stdout)
    assert "contained" in ran, f"the probe did not run under the tracer: {done.stdout}\n{done.stderr}"
    assert not ran & set(LEAKS), f"the tests reached: {ran}"
    with pytest.raises(BlockingIOError):
        listener.accept()  # and the host side agrees: nobody connected
    # The user's checkout: same files, same owners, nothing written (the tests wrote into the copy).
    assert _snapshot(checkout) == before


def test_unsandboxed_the_same_probe_reports_what_it_reaches(tmp_path: Path, listener: socket.socket) -> None:
    """The control: with the sandbox switched off (as an operator may allow), the same probe, the same
    command and the same coverage show the leaks, so the test above fails if the sandbox is not there."""
    marker = uuid.uuid4().hex
    secret = tmp_path / "secret.txt"
    secret.write_text(marker)
    checkout = _checkout(tmp_path, marker, [str(secret)], listener.getsockname()[1])
    done = _locate(checkout, {"SANDBOX": "false", "ALLOW_UNSANDBOXED": "true"})
    assert done.returncode == 0, done.stderr
    ran = _covered(done.stdout)
    assert {"contained", "read_a_secret_file", "reached_the_network"} <= ran
    assert ("ran_as_root" in ran) == (os.getuid() == 0)
    assert "ran_in_the_checkout" not in ran  # even unsandboxed, the tests run on a copy


def test_without_a_sandbox_locate_refuses_to_run_the_tests(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "module.py").write_text("def function():\n    return 1\n")
    ran = tmp_path / "ran"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "locate", str(checkout), "--test", f"touch {ran}"],
        env=child_env({"SANDBOX": "false"}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ALLOW_UNSANDBOXED" in lines[0] and "Traceback" not in done.stderr
    assert not ran.exists()
