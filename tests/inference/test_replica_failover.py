"""Several TGI replicas in TGI_URL: a replica killed (SIGKILL) while it holds a job's request; the request
goes to the other replica and the job finishes. Real processes, real sockets, a real repair loop."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import REPO_ROOT, wait_until
from tests.repair_repos import ADD_RIGHT, CALC_REPO, repair_loop, task
from tests.stand_ins.tgi_server import TGIStandIn
from workers.loop.repair_loop import RepairStatus


@contextmanager
def stand_in_process(
    tmp: Path, answers: list[str], delay_s: float
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    script = tmp / "answers.json"
    script.write_text(json.dumps(answers))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.stand_ins.tgi_server",
            "--script",
            str(script),
            "--delay",
            str(delay_s),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "listening on URL", or "" if it died
        match = re.search(r"listening on (\S+)", line)
        assert match, f"the stand-in did not start: {line!r}"
        yield proc, match.group(1)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _generation_requests(url: str) -> int:
    try:
        metrics = requests.get(f"{url}/metrics", timeout=2).text
    except requests.RequestException:
        return -1
    return int(metrics.rsplit(" ", 1)[1])


def test_a_replica_killed_mid_request_hands_the_request_to_another(tmp_path: Path) -> None:
    with (
        stand_in_process(tmp_path, [ADD_RIGHT], delay_s=300) as (doomed, doomed_url),
        TGIStandIn([ADD_RIGHT]) as survivor,
        # The doomed replica comes first: an idle pool starts with it.
        repair_loop(tmp_path / "job", CALC_REPO, f"{doomed_url},{survivor.url}") as loop,
    ):
        results = []
        runner = threading.Thread(target=lambda: results.append(loop.run(task())))
        runner.start()
        try:
            wait_until(
                lambda: _generation_requests(doomed_url) >= 1, 60, "the first replica to hold the request"
            )
            assert survivor.requests == []
            doomed.kill()  # as a crashed or preempted GPU node: the connection drops mid-request
        finally:
            runner.join(timeout=120)
        assert not runner.is_alive()
    [result] = results
    assert result.status == RepairStatus.FIXED, result.reason
    assert len(survivor.requests) == 1  # the in-flight request, retried once, on the survivor
    # No model retries are configured (retries=0): the failover is not a retry of the same replica.
    assert loop.model.pool.healthy() == (survivor.url,)  # type: ignore[attr-defined]
