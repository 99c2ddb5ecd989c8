"""`codellama-bot replay TRAJECTORY [--repo PATH] [--endpoint URL] [--trajectory FILE]`: run a recorded
job's repair loop again on its commit, answering from the recording (or asking another model server with the
same prompts), and print what differs. Exit 0: the same outcome; 1: another outcome; 2: the input is wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import ModelUnavailable, UsageError
from core.scrub import scrubber_for
from core.settings import Settings
from inference.protocol import TextModel
from workers.local.arguments import existing_directory, new_file
from workers.loop.trajectory import OMITTED, Trajectory
from workers.pipeline import model_from, run_pipeline
from workers.replay.checkout import ReplayEntry, clone_for
from workers.replay.differences import compare, outcome_matches, report
from workers.replay.record import Recording, load_recording
from workers.replay.recorded_model import Diverged, RecordedModel
from workers.trajectory_store import scrubbed_record, write_trajectory

SAME, DIFFERENT = 0, 1


def _endpoint(text: str) -> str:
    if not text.startswith(("http://", "https://")) or len(text) < 10 or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(
            f"expected a model server's URL (http://host:port), not {text!r:.80}"
        )
    return text.rstrip("/")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "trajectory", type=Path, help="a job's trajectory JSON (fix --trajectory, BOT_DATA_DIR)"
    )
    parser.add_argument(
        "--repo",
        type=existing_directory,
        metavar="PATH",
        help="a clone holding the recorded commit (default: the checkout a local fix ran on)",
    )
    parser.add_argument(
        "--endpoint",
        type=_endpoint,
        metavar="URL",
        help="ask this TGI server with the same prompts instead of answering from the recording",
    )
    parser.add_argument(
        "--trajectory",
        dest="record",
        type=new_file,
        metavar="FILE",
        help="write the replay's own record to FILE",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    recording = load_recording(args.trajectory)
    clone = clone_for(recording, args.repo)
    replayed = Trajectory("replay", recording.job)
    replayed.request = {"trajectory": str(args.trajectory.resolve()), "endpoint": args.endpoint}
    recorded_model = RecordedModel(recording)
    if args.endpoint:
        with model_from(settings.model_copy(update={"tgi_url": args.endpoint})) as served:
            try:
                served.check_ready()
            except ModelUnavailable as exc:
                raise UsageError(
                    f"--endpoint: {exc}; start it, or pass the URL of one that answers"
                ) from None
            _replay(settings, clone, recording, served, replayed)
    else:
        _replay(settings, clone, recording, recorded_model, replayed)
    scrub = scrubber_for(settings)
    if args.record is not None:
        write_trajectory(replayed, args.record, scrub)
    new = scrubbed_record(replayed, scrub)
    differences = compare(recording.raw, new)
    source = f"answers from {args.endpoint}" if args.endpoint else "the recorded answers"
    print(f"replay of {recording.kind} job {recording.job} at {recording.commit[:12]} with {source}")
    for note in replay_notes(recording, recorded_model, args.endpoint):
        print(f"note: {note}")
    for line in report(recording.raw, new, differences):
        print(line)
    return SAME if outcome_matches(recording.raw, new) else DIFFERENT


def _replay(
    settings: Settings, clone: Path, recording: Recording, model: TextModel, replayed: Trajectory
) -> None:
    try:
        run_pipeline(ReplayEntry(settings, clone, recording), model, trajectory=replayed)
    except Diverged as exc:
        # Not a failure of the replay: its loop took a path the recording does not cover.
        replayed.ended({"status": "diverged", "reason": str(exc), "success": False})


def replay_notes(recording: Recording, model: RecordedModel, endpoint: str | None) -> list[str]:
    notes: list[str] = []
    if recording.task.had_prior_evidence:
        notes.append("the job had failing tests named by CI's logs; a replay has only its own test runs")
    if not endpoint and any(_was_cut(a.text) for r in recording.rounds for a in r.answers):
        notes.append("some recorded answers were cut to the record's caps; they cannot apply as they did")
    if not endpoint and model.estimated:
        notes.append(f"{model.estimated} token count(s) were not recorded and were estimated")
    return notes


def _was_cut(text: str) -> bool:
    # The marks workers/loop/trajectory.py leaves where it cut a text or stopped recording texts.
    return text == OMITTED or (text.endswith(" chars cut]") and "…[" in text)
