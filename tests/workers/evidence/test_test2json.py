"""go test -json's event stream read as a report: recorded streams agree with go-junit-report's golden
reports, the counts reach selection, and a hostile or broken stream never crashes the reader."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import pytest

from tests.workers.evidence.test_corpus import GO, _golden_go_failures
from workers.evidence import parse_log
from workers.evidence.failures import BUILD, CRASH, TEST, ReportUnusable
from workers.evidence.structured import parse_run
from workers.evidence.test2json import MAX_STREAM_CHARS, has_events, parse_events, plain_text
from workers.loop.selection import judge_suite, read_run
from workers.runners.process import RunResult
from workers.runners.reports import GO_JSON

STREAMS = sorted(GO.glob("*.gojson.txt"))
# Recorded from go test -json, but printed before the stream starts: only the build errors and verdict.
NO_EVENTS = {"102-broken.gojson.txt"}


def golden(stream: Path) -> set[str]:
    return _golden_go_failures(stream.with_name(stream.name[:3] + "-report.xml"))


def event(action: str, test: str = "", output: str = "", package: str = "example.com/m") -> str:
    fields = {"Action": action, "Package": package, "Test": test or None, "Output": output or None}
    return json.dumps({k: v for k, v in fields.items() if v is not None})


@pytest.mark.parametrize("stream", STREAMS, ids=lambda p: p.name)
def test_every_recorded_stream_gives_the_golden_reports_failures(stream: Path) -> None:
    text = stream.read_text()
    assert {f.test_id for f in parse_run(plain_text(text), gojson=text).failures} == golden(stream)
    if stream.name in NO_EVENTS:
        with pytest.raises(ReportUnusable, match="no go test -json event"):
            parse_events(text)
    else:
        assert {f.test_id for f in parse_events(text).failures} == golden(stream)


@pytest.mark.parametrize("stream", STREAMS, ids=lambda p: p.name)
def test_the_rebuilt_text_reads_as_go_test_prints_it(stream: Path) -> None:
    text = stream.read_text()
    plain = plain_text(text)
    assert '"Action"' not in plain
    # The text parser reads the rebuilt text as it reads the stream itself.
    assert parse_log(plain).failing_test_ids == parse_log(text).failing_test_ids


def test_the_stream_counts_what_passed_and_keeps_each_failures_own_output() -> None:
    text = (GO / "101-fail.gojson.txt").read_text()
    assert plain_text(text).splitlines()[:3] == [
        "=== RUN   TestOne",
        "    main_test.go:6: Error message",
        "    main_test.go:7: Longer",
    ]
    evidence = parse_events(text)
    (failure,) = evidence.failures
    assert (failure.test_id, failure.kind) == ("package/name/fail.TestOne", TEST)
    assert failure.message == "Error message"
    assert failure.excerpt.startswith("=== RUN   TestOne\n    main_test.go:6: Error message")
    assert (evidence.summary_passed, evidence.summary_failed, evidence.summary_errors) == (1, 1, 0)
    subtests = parse_events((GO / "103-subtests.gojson.txt").read_text())
    assert (subtests.summary_passed, subtests.summary_failed) == (2, 2)
    panic = parse_events((GO / "105-panic.gojson.txt").read_text()).failures[0]
    assert (panic.test_id, panic.kind) == ("package/name/panic", CRASH)
    assert (panic.error_type, panic.message) == ("panic", "init")


def test_packages_that_did_not_build_are_build_failures_in_either_go_s_way_of_saying_so() -> None:
    # Go 1.19 prints the verdict outside the stream; Go 1.24 marks the package's fail event.
    old = "\n".join([event("run", "TestA"), event("pass", "TestA"), "FAIL\texample.com/m/b [build failed]"])
    new = json.dumps({"Action": "fail", "Package": "example.com/m/b", "FailedBuild": "example.com/m/b.test"})
    for stream in (old, event("start") + "\n" + new):
        (failure,) = parse_events(stream).failures
        assert (failure.test_id, failure.kind) == ("example.com/m/b", BUILD)


def test_the_passed_count_reaches_selection() -> None:
    def run(*tests: str) -> RunResult:
        stream = "\n".join(event("pass", name) for name in tests)
        return RunResult("go test ./...", 0, plain_text(stream), 1.0, report=stream, report_format=GO_JSON)

    base, _ = read_run(run("TestA", "TestB"), Path("."))
    fewer, _ = read_run(run("TestA"), Path("."))
    assert (base.passed, fewer.passed) == (2, 1)
    assert "fewer tests pass" in judge_suite(base, frozenset(), fewer).note


HOSTILE = [
    '{"Action": ' + "[" * 100_000,  # nesting deep enough to overflow a recursive decoder
    '{"Action": "fail", "Test": "TestC", "Package": "example.com/m", "Outp',  # cut mid-line
    '{"Action": 7, "Test": ["x"], "Package": {}}',
    '{"Action": "output", "Package": 3, "Test": "TestA", "Output": 12}',
    '["Action", "fail"]',
    '{"Action": "output", "Test": "TestA", "Output": "a\u0085b\u2028c\\n"}',
    "\x00\ufffd{}",
]


def test_a_hostile_stream_is_read_without_crashing_and_malformed_events_are_dropped() -> None:
    stream = "\n".join([event("run", "TestA"), *HOSTILE, event("fail", "TestA")])
    evidence = parse_events(stream)
    assert evidence.failing_test_ids == ["example.com/m.TestA"]
    plain = plain_text(stream)
    assert "a\u0085b\u2028c" in plain and "Outp" not in plain and "[[[" not in plain
    # The text parser decodes the same lines (as -json output in a CI log).
    parse_log(stream)


def test_a_stream_past_the_bound_or_without_events_is_no_report() -> None:
    with pytest.raises(ReportUnusable, match="larger than"):
        parse_events(event("pass", "TestA") + "\n" + "x" * MAX_STREAM_CHARS)
    assert not has_events("ok  \texample.com/m\t0.01s\n{not json")
    with pytest.raises(ReportUnusable):
        parse_events("")


def test_mangled_recorded_streams_never_crash_the_readers() -> None:
    chance = random.Random(20240613)
    lines = [line for stream in STREAMS for line in stream.read_text().split("\n")]
    for _ in range(300):
        picked = chance.sample(lines, 12)
        mangled = []
        for line in picked:
            cut = chance.randrange(len(line) + 1)
            mangled.append(chance.choice([line[:cut], line[cut:], line[:cut] + "\x85" + line[cut:], line]))
        stream = "\n".join(mangled)
        plain_text(stream)
        with contextlib.suppress(ReportUnusable):
            parse_events(stream)
