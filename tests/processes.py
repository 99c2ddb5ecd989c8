"""Starting the bot's real processes (`codellama-bot serve`, `worker`) for end-to-end tests, and stopping
them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import wait_until

# The parent's variables that a child may inherit; settings come only from what the test passes.
INHERITED = ("PATH", "LANG", "LC_ALL", "HOME", "PYTHONPATH", "TMPDIR")


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in INHERITED if k in os.environ}
    # The bot reads .env from its working directory; tests pass every setting themselves.
    env["CODELLAMA_ENV_FILE"] = os.devnull
    env.update(extra)
    return env


class BotProcess:
    def __init__(
        self, argv: list[str], env: dict[str, str], log_path: Path, stderr_path: Path | None = None
    ) -> None:
        """Stdout and stderr go to `log_path`, or stderr alone to `stderr_path` when given."""
        self.log_path = log_path
        self.stderr_path = stderr_path
        self._log = log_path.open("wb")
        self._err = stderr_path.open("wb") if stderr_path else None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *argv],
            env=child_env(env),
            stdout=self._log,
            stderr=self._err or subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def log(self) -> str:
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path else ""
        return self.log_path.read_text(errors="replace") + err

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal the whole process group: a Celery worker's pool children die with their parent."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            # SIGTERM first so that Celery and uvicorn shut down cleanly, then make sure.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._log.close()
        if self._err is not None:
            self._err.close()


@contextmanager
def serve(
    env: dict[str, str], port: int, log_path: Path, stderr_path: Path | None = None
) -> Iterator[BotProcess]:
    process = BotProcess(["serve", "--port", str(port)], env, log_path, stderr_path)
    try:
        wait_until(lambda: _healthy(port) or _died(process), 60, f"the webhook receiver on port {port}")
        assert process.proc.poll() is None, process.log()
        yield process
    finally:
        process.stop()


@contextmanager
def worker(
    env: dict[str, str],
    log_path: Path,
    name: str = "w1",
    stderr_path: Path | None = None,
    concurrency: int = 1,
) -> Iterator[BotProcess]:
    argv = ["worker", "--concurrency", str(concurrency), "--hostname", f"{name}@%h"]
    process = BotProcess(argv, env, log_path, stderr_path)
    try:
        wait_until(lambda: " ready." in process.log() or _died(process), 60, "the Celery worker to be ready")
        assert process.proc.poll() is None, process.log()
        yield process
    finally:
        process.stop()


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def _died(process: BotProcess) -> bool:
    return process.proc.poll() is not None
