"""A stopped job kills the test runs its candidate threads supervise, and no new one starts."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wait_until
from workers.runners import live_processes
from workers.runners.supervise import Finished, supervise


@pytest.fixture(autouse=True)
def accepting() -> Iterator[None]:
    live_processes.accept()
    yield
    live_processes.accept()


def test_kill_all_ends_a_run_in_another_thread_and_refuses_the_next(tmp_path: Path) -> None:
    done: list[Finished] = []
    env = {"PATH": os.environ["PATH"]}

    def run() -> None:
        done.append(supervise(["sleep", "600"], tmp_path, env, timeout_s=600, keep_bytes=1000))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_until(lambda: live_processes._groups, 10, "the run to start")
    assert live_processes.kill_all_and_refuse() == 1
    thread.join(timeout=10)
    assert not thread.is_alive() and done[0].exit_code == -9 and not done[0].timed_out
    assert live_processes._groups == set()
    with pytest.raises(live_processes.RunsStopped):
        supervise(["true"], tmp_path, env, timeout_s=10, keep_bytes=1000)
    live_processes.accept()
    assert supervise(["true"], tmp_path, env, timeout_s=10, keep_bytes=1000).exit_code == 0
