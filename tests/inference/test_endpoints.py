"""Choosing a model server replica (pure), and TGI_URL's list of replicas as the settings read it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.endpoint_urls import parse_endpoint_urls
from core.settings import Settings
from inference.endpoints import EndpointPool, NoEndpoint

A, B, C = "http://a:80", "http://b:80", "http://c:80"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pool(*urls: str, backoff_s: float = 30.0) -> tuple[EndpointPool, Clock]:
    clock = Clock()
    return EndpointPool(urls or (A, B, C), backoff_s=backoff_s, clock=clock), clock


def test_idle_endpoints_take_turns() -> None:
    p, _ = pool()
    chosen = []
    for _ in range(6):
        url = p.choose()
        p.finished(url)
        chosen.append(url)
    assert chosen == [A, B, C, A, B, C]


def test_the_least_busy_endpoint_gets_the_next_request() -> None:
    p, _ = pool()
    first, second, third = p.choose(), p.choose(), p.choose()
    assert {first, second, third} == {A, B, C}
    p.finished(B)
    assert p.choose() == B  # the only one with nothing outstanding
    p.finished(A)
    p.finished(C)
    assert p.choose() in (A, C)


def test_a_failed_endpoint_is_left_alone_for_its_backoff_then_probed() -> None:
    p, clock = pool(A, B)
    assert p.mark_down(A) == 30.0
    for _ in range(4):
        url = p.choose()
        p.finished(url)
        assert url == B
    assert p.healthy() == (B,)
    clock.now += 30.0
    assert A in p.healthy() and p.on_probation(A)
    p.mark_up(A)
    assert not p.on_probation(A)


def test_backoff_doubles_with_failures_in_a_row_up_to_ten_times() -> None:
    p, _ = pool(A, B, backoff_s=2.0)
    assert [p.mark_down(A) for _ in range(6)] == [2.0, 4.0, 8.0, 16.0, 20.0, 20.0]
    p.mark_up(A)
    assert p.mark_down(A) == 2.0


def test_with_every_endpoint_down_the_one_back_soonest_is_tried() -> None:
    p, clock = pool(A, B)
    p.mark_down(A)
    clock.now += 5
    p.mark_down(B)
    assert p.choose() == A


def test_excluded_endpoints_are_skipped_even_when_healthy() -> None:
    p, _ = pool(A, B)
    assert p.choose(exclude=[A]) == B
    with pytest.raises(NoEndpoint, match="every endpoint failed"):
        p.choose(exclude=[A, B])


def test_a_single_endpoint_is_always_chosen() -> None:
    p, _ = pool(A)
    p.mark_down(A)
    assert p.choose() == A


def test_finished_never_counts_below_zero_and_unknown_urls_are_refused() -> None:
    p, _ = pool(A, B)
    p.finished(A)
    assert p.choose() == A  # A still counts 0 outstanding, and it is A's turn
    with pytest.raises(KeyError):
        p.mark_down("http://elsewhere")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://tgi:80", ("http://tgi:80",)),
        ("http://tgi:80/", ("http://tgi:80",)),
        (
            "http://tgi-1:80, https://tgi-2/base/ ,http://10.0.0.3:8080",
            ("http://tgi-1:80", "https://tgi-2/base", "http://10.0.0.3:8080"),
        ),
    ],
)
def test_tgi_url_lists(value: str, expected: tuple[str, ...]) -> None:
    assert parse_endpoint_urls(value) == expected
    assert Settings(tgi_url=value).tgi_urls() == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "entry 1 is empty"),
        ("http://a:80,,http://b:80", "entry 2 is empty"),
        ("http://a:80,", "entry 2 is empty"),
        ("tgi:80", "must start with http"),
        ("ftp://tgi", "must start with http"),
        ("http://", "names no host"),
        ("http://a:99999", "is not a URL"),
        ("http://a:port", "is not a URL"),
        ("http://a:0", "port 0"),
        ("http://a/?x=1", "query or fragment"),
        ("http://a:80,http://a:80/", "repeats an earlier entry"),
        ("http://a b", "contains whitespace"),
    ],
)
def test_malformed_tgi_url_entries_are_named(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=f"TGI_URL: .*({message})"):
        Settings(tgi_url=value)


def test_every_replica_is_due_for_a_check_once_per_interval() -> None:
    clock = Clock()
    p = EndpointPool((A, B), backoff_s=30.0, probe_interval_s=10.0, clock=clock)
    assert p.due_probes() == (A, B)
    assert p.due_probes() == ()  # counted as probed until the interval passes
    clock.now += 10.0
    assert p.due_probes() == (A, B)


def test_a_failed_check_takes_a_healthy_replica_out_and_a_passed_one_brings_it_back() -> None:
    clock = Clock()
    p = EndpointPool((A, B), backoff_s=30.0, probe_interval_s=10.0, clock=clock)
    assert p.probed(A, ok=False) == "out"
    assert p.healthy() == (B,)
    assert [p.choose() for _ in range(3)] == [B, B, B]
    clock.now += 10.0
    assert p.due_probes() == (A, B)  # still checked every interval, well before its 30 s backoff ends
    assert p.probed(A, ok=False) is None  # already out
    assert p.probed(A, ok=True) == "back"
    assert p.healthy() == (A, B) and not p.on_probation(A)
    assert p.probed(B, ok=True) is None  # healthy already


def test_a_replica_out_for_a_failed_request_is_not_checked_before_its_backoff_lapses() -> None:
    clock = Clock()
    p = EndpointPool((A, B), backoff_s=30.0, probe_interval_s=10.0, clock=clock)
    p.mark_down(A)
    assert p.due_probes() == (B,)
    clock.now += 10.0
    assert p.due_probes() == (B,)
    clock.now += 20.0
    assert p.due_probes() == (A, B)
    # A good /health does not vouch for failing generations: still on probation until a request succeeds.
    assert p.probed(A, ok=True) is None and p.on_probation(A)
    # A check that fails after the backoff takes it out again, and from then on a passing check is enough.
    assert p.probed(A, ok=False) == "out"
    assert p.healthy() == (B,)
    clock.now += 10.0
    assert A in p.due_probes()
    assert p.probed(A, ok=True) == "back"
