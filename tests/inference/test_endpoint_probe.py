"""Background health checks over real HTTP: two TGI stand-ins, one stopped and started again on the same
port; the pool stops sending it requests, then sends them again, without a request having to fail on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inference.endpoint_probe import EndpointProber, HttpHealthCheck
from inference.endpoints import EndpointPool
from inference.protocol import GenerationParams
from inference.tgi_client import TGIModel, shared_pool, stop_shared_pools
from tests.conftest import wait_until
from tests.stand_ins.tgi_server import TGIStandIn

DEADLINE_S = 10.0
PARAMS = GenerationParams(max_new_tokens=16)


def answers(prompt: str, parameters: dict[str, object]) -> str:
    return "ok"


@pytest.fixture
def checks() -> Iterator[HttpHealthCheck]:
    check = HttpHealthCheck(timeout_s=2.0)
    yield check
    check.close()


def _requests_to(stand_in: TGIStandIn) -> int:
    return sum(r.path != "/tokenize" for r in stand_in.requests)


def test_a_replica_that_goes_down_is_taken_out_and_routed_to_again_once_it_is_back(
    checks: HttpHealthCheck,
) -> None:
    with TGIStandIn(answers) as a, TGIStandIn(answers) as b:
        b_port = int(b.url.rsplit(":", 1)[1])
        # A long backoff: only the background checks can bring B back within the deadline.
        pool = EndpointPool((a.url, b.url), backoff_s=300.0, probe_interval_s=0.1)
        prober = EndpointProber(pool, checks, tick_s=0.05).start()
        model = TGIModel("", pool=pool, retries=0, timeout_s=5.0)
        try:
            b.stop()
            wait_until(lambda: pool.healthy() == (a.url,), DEADLINE_S, "the stopped replica to be taken out")
            before = _requests_to(a)
            for _ in range(4):
                model.generate("p", PARAMS)
            assert _requests_to(a) == before + 4  # none tried on the stopped one first

            with TGIStandIn(answers, port=b_port) as b_again:
                wait_until(lambda: b.url in pool.healthy(), DEADLINE_S, "the replica back up to be let in")

                def routed_to_b_again() -> bool:
                    model.generate("p", PARAMS)
                    return _requests_to(b_again) > 0

                wait_until(routed_to_b_again, DEADLINE_S, "a request to reach the replica that came back")
        finally:
            prober.stop()
            model.close()


def test_a_healthy_replica_whose_health_check_starts_failing_gets_no_more_requests(
    checks: HttpHealthCheck,
) -> None:
    with TGIStandIn(answers) as a, TGIStandIn(answers) as b:
        pool = EndpointPool((a.url, b.url), backoff_s=300.0, probe_interval_s=0.1)
        prober = EndpointProber(pool, checks, tick_s=0.05).start()
        model = TGIModel("", pool=pool, retries=0, timeout_s=5.0)
        try:
            b.healthy = False  # GET /health answers 503, as TGI does while its model is not ready
            wait_until(lambda: pool.healthy() == (a.url,), DEADLINE_S, "the failing replica to be taken out")
            for _ in range(4):
                model.generate("p", PARAMS)
            assert _requests_to(b) == 0
            b.healthy = True
            wait_until(lambda: pool.healthy() == (a.url, b.url), DEADLINE_S, "the replica to be let back in")
        finally:
            prober.stop()
            model.close()


def test_the_workers_shared_pool_checks_several_replicas_in_the_background() -> None:
    with TGIStandIn(answers) as a, TGIStandIn(answers) as b:
        try:
            pool = shared_pool((a.url, b.url), backoff_s=300.0, probe_interval_s=0.1)
            b.healthy = False
            wait_until(lambda: pool.healthy() == (a.url,), DEADLINE_S, "the shared pool's checks")
        finally:
            stop_shared_pools()
