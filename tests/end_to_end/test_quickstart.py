"""The README's quick start as a new user meets it: a fresh clone, `.env` copied from `.env.example`, and
`scripts/run.sh` with only Debian's own directories on PATH (so python3 is /usr/bin/python3, which is
"externally managed" and refuses pip installs). The scripts must make and use .venv, read no .env in a shell,
start a local Redis for REDIS_URL, and exit non-zero, saying which, when the receiver or the worker dies.

The clone is of the committed tree. One virtual environment is made for the module (a pip install takes a
minute or more); later runs of run.sh find it in place and install nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import REPO_ROOT, free_port, wait_until
from tests.payloads import signed
from tests.stand_ins.tgi_server import TGIStandIn

DEBIAN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
SECRET = "quickstart-secret"
# Creating .venv and installing the runtime dependencies into it, on a shared 2-core machine.
INSTALL_DEADLINE_S = 600

pytestmark = [pytest.mark.slow, pytest.mark.timeout(INSTALL_DEADLINE_S + 300)]


def dotenv_from_example(example: str, values: dict[str, str]) -> str:
    """`.env.example` with the named settings filled in, every other line (COMMAND_PREFIX...) as shipped."""
    todo = dict(values)
    lines = []
    for line in example.splitlines():
        key = line.split("=", 1)[0]
        if "=" in line and not line.startswith("#") and key in todo:
            line = f"{key}={todo.pop(key)}"
        lines.append(line)
    assert not todo, f".env.example lacks {sorted(todo)}"
    return "\n".join(lines) + "\n"


def debian_env(**extra: str) -> dict[str, str]:
    """What a login shell on stock Debian 12 has: no pyenv, no ~/.local, no virtualenv."""
    return {"PATH": DEBIAN_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **extra}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    with contextlib.suppress(OSError):
        return " Z " not in (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1][:3]
    return False


@dataclass
class RunSh:
    proc: subprocess.Popen[bytes]
    log_path: Path
    http_port: int

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> dict[str, int]:
        """The receiver's and the worker's pids, by role."""
        roles = {}
        for pid in children(self.proc.pid):
            line = cmdline(pid)
            if "codellama-bot worker" in line:
                roles["worker"] = pid
            elif "codellama-bot serve" in line:
                roles["receiver"] = pid
        return roles

    def stop(self) -> None:
        """Stop run.sh as Ctrl-C would, then make sure nothing it started is left."""
        kids = list(self.children().values())
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=60)
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def start_run_sh(clone: Path, log_path: Path, **env: str) -> RunSh:
    http_port = free_port()
    log = log_path.open("wb")
    proc = subprocess.Popen(
        ["scripts/run.sh"],
        cwd=clone,
        env=debian_env(HOST="127.0.0.1", PORT=str(http_port), **env),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    return RunSh(proc, log_path, http_port)


def receiver_answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


@dataclass
class QuickStart:
    clone: Path
    run: RunSh
    redis_port: int
    tgi_url: str


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuickStart]:
    """`git clone`, `cp .env.example .env` (filled in), `scripts/run.sh`; up once the receiver answers and
    the worker says it is ready."""
    base = tmp_path_factory.mktemp("quickstart")
    clone = base / "codellama-bot"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True, timeout=120)
    key = base / "app.pem"
    key.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    redis_port = free_port()
    with TGIStandIn() as tgi:
        values = {
            "GITHUB_APP_ID": "1",
            "GITHUB_PRIVATE_KEY_PATH": str(key),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TGI_URL": tgi.url,
            "BOT_WORKDIR": str(base / "work"),
        }
        (clone / ".env").write_text(dotenv_from_example((clone / ".env.example").read_text(), values))
        run = start_run_sh(clone, base / "run.log")
        try:
            wait_until(
                lambda: (
                    (receiver_answers(run.http_port) and " ready." in run.log())
                    or run.proc.poll() is not None
                ),
                INSTALL_DEADLINE_S,
                "run.sh's receiver to answer and its worker to be ready",
                interval_s=0.5,
            )
            assert run.proc.poll() is None, run.log()
            yield QuickStart(clone, run, redis_port, tgi.url)
        finally:
            run.stop()
            pidfile = clone / ".data" / "redis" / str(redis_port) / "redis.pid"
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)


def test_run_sh_on_debian_python_serves_with_dotenv_copied_from_the_example(quickstart: QuickStart) -> None:
    clone, run = quickstart.clone, quickstart.run
    # The environment is the project's own, made from Debian's python3, with runtime dependencies only.
    venv_cfg = (clone / ".venv" / "pyvenv.cfg").read_text()
    assert "home = /usr/bin" in venv_cfg, venv_cfg
    venv_python = str(clone / ".venv" / "bin" / "python")
    assert subprocess.run([venv_python, "-c", "import celery, pytest"], timeout=60).returncode == 0
    assert subprocess.run([venv_python, "-c", "import mypy"], capture_output=True, timeout=60).returncode == 1

    # The receiver took its secret from .env: a signed delivery is accepted, a forged one is not.
    body, headers = signed("ping", {"zen": "Keep it logically awesome.", "hook_id": 1}, SECRET)
    answer = requests.post(
        f"http://127.0.0.1:{run.http_port}/webhook", data=body, headers=headers, timeout=10
    )
    assert answer.status_code == 200, answer.text
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert (
        requests.post(
            f"http://127.0.0.1:{run.http_port}/webhook", data=body, headers=forged, timeout=10
        ).status_code
        == 401
    )

    # start-redis.sh started Redis where .env's REDIS_URL points, keeping an append-only file in .data/.
    client = redis.Redis(port=quickstart.redis_port, socket_timeout=5)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("dir")["dir"] == str(clone / ".data" / "redis" / str(quickstart.redis_port))
    client.close()

    # The CLI reads the same .env from the working directory: ready, with the model stand-in up.
    ready = subprocess.run(
        [str(clone / ".venv" / "bin" / "codellama-bot"), "ready", "--worker"],
        cwd=clone,
        env=debian_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ready.returncode == 0, ready.stderr
    assert "Traceback" not in run.log()


def test_run_sh_exits_non_zero_saying_which_process_died(quickstart: QuickStart) -> None:
    run = quickstart.run
    roles = wait_until(lambda: len(run.children()) == 2 and run.children(), 30, "run.sh's two children")
    os.kill(roles["worker"], signal.SIGKILL)
    wait_until(lambda: run.proc.poll() is not None, 90, "run.sh to exit after its worker died")
    assert run.proc.returncode == 128 + signal.SIGKILL, run.log()
    assert (
        "run.sh: the worker (codellama-bot worker) exited with status 137; stopping the webhook receiver"
        in run.log()
    )
    assert not alive(roles["receiver"]) and not receiver_answers(run.http_port)


def test_run_sh_exits_when_the_receiver_dies_and_stops_the_worker(
    quickstart: QuickStart, tmp_path: Path
) -> None:
    quickstart.run.stop()
    run = start_run_sh(quickstart.clone, tmp_path / "run.log")
    try:
        wait_until(
            lambda: (
                (receiver_answers(run.http_port) and " ready." in run.log()) or run.proc.poll() is not None
            ),
            120,
            "run.sh (with .venv in place) to be up",
            interval_s=0.2,
        )
        roles = run.children()
        assert set(roles) == {"receiver", "worker"}, run.log()
        os.kill(roles["receiver"], signal.SIGKILL)
        wait_until(lambda: run.proc.poll() is not None, 90, "run.sh to exit after its receiver died")
    finally:
        run.stop()
    assert run.proc.returncode == 128 + signal.SIGKILL, run.log()
    assert (
        "run.sh: the webhook receiver (codellama-bot serve) exited with status 137; stopping the worker"
        in run.log()
    )
    assert not alive(roles["worker"])


def test_run_sh_with_a_key_file_that_holds_no_key_stops_with_one_clear_line(
    quickstart: QuickStart, tmp_path: Path
) -> None:
    quickstart.run.stop()
    bad = tmp_path / "app.pem"
    bad.write_text("not a key\n")
    # A variable in the environment wins over .env; .venv is already there, so nothing is installed again.
    run = start_run_sh(quickstart.clone, tmp_path / "run.log", GITHUB_PRIVATE_KEY_PATH=str(bad))
    try:
        wait_until(lambda: run.proc.poll() is not None, 120, "run.sh to stop on a bad key")
    finally:
        run.stop()
    log = run.log()
    assert run.proc.returncode == 2, log
    assert f"codellama-bot: GITHUB_PRIVATE_KEY_PATH={bad} holds no PEM private key" in log
    assert "exited with status 2; stopping" in log
    assert "installing codellama-bot" not in log and "Traceback" not in log


def test_venv_sh_without_python_3_11_says_so(tmp_path: Path) -> None:
    # A machine whose only python3 is 3.9 (Debian 11): a clear message and a non-zero exit, no venv.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    python3 = fake_bin / "python3"
    python3.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.9.2" && exit 0\nexit 1\n')
    python3.chmod(0o755)
    done = subprocess.run(
        ["/bin/bash", "-c", f". {REPO_ROOT / 'scripts' / 'venv.sh'} && venv_ensure ."],
        cwd=tmp_path,
        env={"PATH": str(fake_bin), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "needs Python 3.11 or newer; found: Python 3.9.2" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_venv_sh_installs_python3_venv_when_debian_lacks_it(tmp_path: Path) -> None:
    # Debian's python3 without python3-venv cannot make a venv (no ensurepip). Two stand-ins: a python3
    # that refuses `-m venv` until the package is "installed", and apt-get, which records and installs it.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    installed = tmp_path / "python3-venv-installed"
    (fake_bin / "python3").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = -m ] && [ "$2" = venv ] && [ ! -e {installed} ]; then\n'
        '  echo "ensurepip is not available" >&2\n'
        "  exit 1\n"
        "fi\n"
        'exec /usr/bin/python3 "$@"\n'
    )
    (fake_bin / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt.log"}\ntouch {installed}\n')
    for tool in ("python3", "apt-get"):
        (fake_bin / tool).chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '0'\n")
    done = subprocess.run(
        ["/bin/bash", "-c", f". {REPO_ROOT / 'scripts' / 'venv.sh'} && make_venv"],
        cwd=tmp_path,
        env={"PATH": f"{fake_bin}:{DEBIAN_PATH}", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "installing python3.11-venv" in done.stdout
    assert "install -y -qq python3.11-venv" in (tmp_path / "apt.log").read_text()
    assert (tmp_path / ".venv" / "bin" / "python").exists()
