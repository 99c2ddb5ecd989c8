"""Reading a trajectory for a replay: every way a handed-in file can be wrong is one UsageError line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import UsageError
from core.settings import Settings
from inference.protocol import GenerationParams
from workers.loop.repair_config import repair_config
from workers.loop.trajectory import VERSION, count_key, plain
from workers.replay.checkout import recorded_config
from workers.replay.cli import replay_notes
from workers.replay.record import load_recording, recording_of
from workers.replay.recorded_model import Diverged, RecordedModel

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def valid() -> dict[str, Any]:
    answer = {
        "text": "an answer",
        "generated_tokens": 3,
        "prompt_tokens": 10,
        "duration_s": 0.5,
        "finish_reason": "eos_token",
        "seed": None,
    }
    return {
        "version": VERSION,
        "kind": "fix",
        "job": "j1",
        "commit": COMMIT,
        "request": {"path": "/nowhere", "test_command": "pytest"},
        "config": {"candidates": 2},
        "task": {
            "repository": "r",
            "task_text": "t",
            "query_text": "",
            "test_command": "pytest",
            "require_failure": True,
        },
        "model": {"max_input_tokens": 100, "max_total_tokens": 200},
        "token_counts": {count_key("counted text"): 7},
        "rounds": [{"round": 1, "prompt": "p", "answers": [answer, answer | {"text": "second"}]}],
        "outcome": {"status": "fixed"},
    }


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "record.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_a_valid_record_is_read_with_its_whole_raw_data(tmp_path: Path) -> None:
    recording = load_recording(_write(tmp_path, json.dumps(valid())))
    assert recording.commit == COMMIT and recording.rounds[0].answers[1].text == "second"
    assert recording.raw == valid()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{", "is not JSON"),
        (b"\xff\xfe{}", "is not text"),
        ("[1, 2]", "is not a codellama-bot trajectory"),
        ('{"version": 1}', "is not a codellama-bot trajectory"),
        ('{"version": "1", "rounds": []}', "version must be a whole number"),
        ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    ],
)
def test_a_file_that_is_not_a_trajectory_is_one_line(tmp_path: Path, content: str | bytes, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        load_recording(_write(tmp_path, content))


def test_a_missing_file_or_a_directory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_recording(tmp_path / "gone.json")
    with pytest.raises(UsageError, match="is a directory"):
        load_recording(tmp_path)


def test_a_record_from_a_newer_codellama_bot_is_refused_by_version() -> None:
    with pytest.raises(
        UsageError, match=f"newer codellama-bot .*version {VERSION + 1}; this one reads up to {VERSION}"
    ):
        recording_of(valid() | {"version": VERSION + 1}, "r.json")


def test_a_record_written_before_replays_existed_says_to_rerun_the_job() -> None:
    old = valid()
    del old["task"]
    with pytest.raises(UsageError, match="before replays were possible"):
        recording_of(old, "r.json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"commit": "--upload-pack=touch /tmp/x"}, "commit"),
        ({"commit": "abc"}, "commit"),
        ({"rounds": "many"}, "rounds"),
        ({"rounds": [{"round": 0, "prompt": "p"}]}, "rounds.0.round"),
        ({"rounds": [{"round": 1, "prompt": "p", "answers": [{"text": 3}]}]}, "rounds.0.answers.0.text"),
        ({"task": {"repository": "r"}}, "task.task_text"),
        ({"model": {"max_input_tokens": -5}}, "model.max_input_tokens"),
    ],
)
def test_a_record_of_the_wrong_shape_names_the_first_wrong_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(UsageError, match=f"can be replayed: {field.replace('.', '[.]')}:"):
        recording_of(valid() | change, "r.json")


def test_the_recorded_model_serves_answers_by_round_and_candidate_then_says_it_diverged() -> None:
    model = RecordedModel(recording_of(valid(), "r.json"))
    three = [GenerationParams()] * 3
    first, second, missing = model.generate_many("any prompt", three)
    assert (
        not isinstance(first, Exception) and first.text == "an answer" and first.finish_reason == "eos_token"
    )
    assert not isinstance(second, Exception) and second.text == "second"
    assert isinstance(missing, Diverged) and "no answer for candidate 3" in str(missing)
    [past] = model.generate_many("any prompt", three[:1])
    assert isinstance(past, Diverged) and "round 2; the recording has 1 round(s)" in str(past)


def test_the_recorded_model_counts_as_recorded_and_estimates_the_rest() -> None:
    model = RecordedModel(recording_of(valid(), "r.json"))
    assert model.count_tokens("counted text") == 7 and model.estimated == 0
    assert model.count_tokens("never counted before") > 0 and model.estimated == 1
    assert (model.max_input_tokens(), model.max_total_tokens()) == (100, 200)


@pytest.mark.parametrize(
    "config",
    [{"candidates": "many"}, {"edit_format": "nonsense"}, {"max_rounds": 0}, {}],
)
def test_a_recorded_configuration_that_cannot_be_used_is_one_line(config: dict[str, Any]) -> None:
    whole = plain(repair_config(Settings())) | {"test_command": "pytest"}
    recording = recording_of(valid() | {"config": whole | config if config else {"x": 1}}, "r.json")
    with pytest.raises(UsageError, match="the recorded configuration cannot be used"):
        recorded_config(recording)
    assert (
        recorded_config(recording_of(valid() | {"config": whole}, "r.json")).candidates == whole["candidates"]
    )


def test_a_replay_notes_what_the_recording_could_not_keep() -> None:
    data = valid()
    data["rounds"][0]["answers"][0]["text"] = "start of a long answer…[5000 chars cut]"
    data["task"]["had_prior_evidence"] = True
    recording = recording_of(data, "r.json")
    model = RecordedModel(recording)
    model.count_tokens("not recorded")
    notes = replay_notes(recording, model, None)
    assert len(notes) == 3 and "cut to the record's caps" in notes[1] and "1 token count(s)" in notes[2]
    assert replay_notes(recording_of(valid(), "r.json"), RecordedModel(recording), None) == []
