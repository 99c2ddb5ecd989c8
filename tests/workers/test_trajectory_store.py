"""Trajectory records on disk: the retention sweep, atomic scrubbed writes, and the size cap."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from core.scrub import Scrubber
from workers.loop import trajectory
from workers.loop.trajectory import OMITTED, Trajectory
from workers.trajectory_store import sweep, write_trajectory

DAY_S = 24 * 3600


def test_the_sweep_deletes_records_past_the_retention_and_keeps_newer_ones(tmp_path: Path) -> None:
    now = time.time()
    old, new = tmp_path / "o_r" / "old.json", tmp_path / "o_r" / "new.json"
    gone = tmp_path / "gone_repo" / "old.json"
    for path in (old, new, gone):
        path.parent.mkdir(exist_ok=True)
        path.write_text("{}")
    for path, age_days in ((old, 31), (new, 29), (gone, 40)):
        os.utime(path, (now - age_days * DAY_S, now - age_days * DAY_S))
    assert sweep(tmp_path, 30, now=now) == 2
    assert not old.exists() and new.exists()
    assert not gone.parent.exists()  # a repository left with no records goes too


def test_a_record_is_written_scrubbed_whole_and_with_its_version(tmp_path: Path) -> None:
    secret = 'pa"ss\\word-in-a-prompt'  # escaped by JSON: scrubbing the serialized text would miss it
    record = Trajectory("fix", "j")
    record.request = {"issue": f"the key is {secret}"}
    path = tmp_path / "r.json"
    write_trajectory(record, path, Scrubber([secret]))
    data = json.loads(path.read_text())
    assert data["version"] == trajectory.VERSION and data["request"]["issue"] == "the key is ***"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left beside it


def test_texts_are_capped_and_the_record_stops_growing_at_its_total(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trajectory, "TOTAL_CHARS", 1000)
    record = Trajectory("bench", "j")
    assert record.text("x" * 900, 100, tail=True).endswith("x" * 100)
    assert record.text("y" * 950, 2000) == "y" * 950
    assert record.text("z", 10) == OMITTED
