"""How long the README's quick start takes: `scripts/run.sh` from a fresh clone with Debian's python3 (cold:
.venv made and filled), again with .venv in place (warm), its stop on Ctrl-C, and the start-up checks.

    python bench/quickstart_bench.py

Prints seconds; starts its own Redis on a free port (stopped at the end) and touches nothing else."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


def run_until_ready(clone: Path, log: Path, env: dict[str, str], port: int) -> tuple[float, float]:
    """Seconds from `scripts/run.sh` to receiver answering and worker ready; seconds to stop on SIGINT."""
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["scripts/run.sh"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while not (answers(port) and " ready." in log.read_text(errors="replace")):
            if proc.poll() is not None or time.monotonic() - started > 900:
                raise SystemExit(f"run.sh did not come up:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        ready = time.monotonic() - started
        stopping = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
        return ready, time.monotonic() - stopping
    finally:
        if proc.poll() is None:
            proc.kill()


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=300)
    return time.monotonic() - started, done.returncode


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="quickstart-bench-") as tmp:
        base = Path(tmp)
        clone = base / "codellama-bot"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
        key = base / "app.pem"
        key.write_bytes(
            rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        redis_port, http_port = free_port(), free_port()
        settings = {
            "GITHUB_APP_ID": "1",
            "GITHUB_PRIVATE_KEY_PATH": str(key),
            "GITHUB_WEBHOOK_SECRET": "bench",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TGI_URL": f"http://127.0.0.1:{free_port()}",
            "BOT_WORKDIR": str(base / "work"),
        }
        lines = []
        for line in (clone / ".env.example").read_text().splitlines():
            name = line.split("=", 1)[0]
            lines.append(
                f"{name}={settings[name]}" if name in settings and not line.startswith("#") else line
            )
        (clone / ".env").write_text("\n".join(lines) + "\n")
        env = {"PATH": DEBIAN_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
        run_env = {**env, "HOST": "127.0.0.1", "PORT": str(http_port)}
        try:
            cold, cold_stop = run_until_ready(clone, base / "cold.log", run_env, http_port)
            warm, warm_stop = run_until_ready(clone, base / "warm.log", run_env, http_port)
            bot = str(clone / ".venv" / "bin" / "codellama-bot")
            ready_s, ready_rc = timed([bot, "ready"], clone, env)
            no_model_s, no_model_rc = timed([bot, "ready", "--worker"], clone, env)
            no_redis = {**env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "REDIS_WAIT_S": "5"}
            no_redis_s, no_redis_rc = timed([bot, "worker"], clone, no_redis)
        finally:
            pidfile = clone / ".data" / "redis" / str(redis_port) / "redis.pid"
            if pidfile.exists():
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        stop = max(cold_stop, warm_stop)
        print(f"run.sh cold (fresh clone: .venv made, runtime deps installed) to ready: {cold:6.1f} s")
        print(f"run.sh warm (.venv in place) to ready:                          {warm:6.1f} s")
        print(f"run.sh stop on Ctrl-C (receiver and idle worker), slower of two: {stop:6.1f} s")
        print(f"codellama-bot ready (Redis up):                   {ready_s:6.2f} s, exit {ready_rc}")
        print(f"codellama-bot ready --worker (no model server):   {no_model_s:6.2f} s, exit {no_model_rc}")
        print(f"codellama-bot worker, Redis down, REDIS_WAIT_S=5: {no_redis_s:6.2f} s, exit {no_redis_rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
