"""`codellama-bot bench`: arguments, the model (an endpoint or the simulated one), the run over the tasks."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import workers
from core.errors import UsageError
from core.settings import Settings
from inference.openai_client import CompletionsModel
from inference.protocol import TextModel
from inference.tgi_client import TGIModel
from workers.benchmark.corpus import DATASETS, LANGUAGES, BenchTask, load_tasks
from workers.benchmark.report import summary, task_line
from workers.benchmark.run import TaskOutcome, run_task
from workers.benchmark.simulated import SimulatedModel
from workers.local.arguments import positive_int, probability

SOURCE_ROOT = Path(workers.__file__).resolve().parents[1]
DEFAULT_CORPORA = SOURCE_ROOT.parent / "shared" / "corpora"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=DATASETS, required=True)
    parser.add_argument("--language", choices=LANGUAGES, default="python", help="HumanEvalFix language")
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument(
        "--endpoint", help="URL of a TGI server, or of an OpenAI-compatible one with --api openai"
    )
    model.add_argument(
        "--simulate",
        type=probability,
        metavar="Q",
        help="no server: a simulated model right with probability Q",
    )
    parser.add_argument("--api", choices=("tgi", "openai"), default="tgi")
    parser.add_argument(
        "--model-name", default="codellama/CodeLlama-34b-Instruct-hf", help="for --api openai"
    )
    parser.add_argument("--k", type=positive_int, default=4, help="candidates per round")
    parser.add_argument("--rounds", type=positive_int, default=3)
    parser.add_argument("--limit", type=positive_int, help="only the first N tasks")
    parser.add_argument("--task", action="append", help="only this task (repeatable), e.g. quixbugs-gcd")
    parser.add_argument("--seed", type=int, default=0, help="salt of the simulated model's draws")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--json", type=Path, help="write each task's figures here")


def run(args: argparse.Namespace, settings: Settings) -> int:
    # One line per task is the progress report; the HTTP client's per-request lines would drown it.
    logging.getLogger().setLevel(logging.WARNING)
    tasks = [t for t in _tasks(args) if not args.task or t.name in args.task]
    tasks = tasks[: args.limit]
    if not tasks:
        raise UsageError(
            f"no such task(s): {', '.join(args.task or [])}; "
            "names look like quixbugs-gcd or humanevalfix-python-0"
        )
    simulated = SimulatedModel(tasks, args.simulate, args.seed) if args.simulate is not None else None
    outcomes: list[TaskOutcome] = []
    with (
        _model(args, settings, simulated) as model,
        tempfile.TemporaryDirectory(prefix="codellama-bench-") as work,
    ):
        for task in tasks:
            outcome = run_task(task, model, settings, k=args.k, rounds=args.rounds, work=Path(work))
            outcomes.append(outcome)
            print(task_line(outcome), file=sys.stderr, flush=True)
    title = f"{args.dataset}/{args.language}" + (f" (simulated q={args.simulate:g})" if simulated else "")
    print(
        summary(
            outcomes,
            title=title,
            k=args.k,
            rounds=args.rounds,
            q=args.simulate,
            right_draws=simulated.right_draws if simulated else None,
        )
    )
    if args.json:
        args.json.write_text(
            json.dumps([asdict(o) | {"overhead_s": o.overhead_s} for o in outcomes], indent=1)
        )
    return 0


def _tasks(args: argparse.Namespace) -> list[BenchTask]:
    """The dataset's tasks, or one line saying where the corpus was expected."""
    where = args.corpora / ("quixbugs" if args.dataset == "quixbugs" else "humanevalfix/data")
    if not where.is_dir():
        raise UsageError(
            f"the {args.dataset} corpus is not at {where}; pass --corpora DIR, the folder holding quixbugs/ "
            "and humanevalfix/ (the project's shared/corpora)"
        )
    if args.dataset == "quixbugs" and args.language != "python":
        raise UsageError("QuixBugs has Python tasks only; drop --language, or use --dataset humanevalfix")
    try:
        return load_tasks(args.corpora, args.dataset, args.language)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"cannot read the {args.dataset} corpus under {where}: {exc}") from None


@contextmanager
def _model(
    args: argparse.Namespace, settings: Settings, simulated: SimulatedModel | None
) -> Iterator[TextModel]:
    if simulated is None:
        with _client(args, settings, args.endpoint) as model:
            model.check_ready()
            yield model
        return
    with _stand_in(simulated) as url, TGIModel(url, timeout_s=60, retries=1, backoff_base_s=0.05) as model:
        yield model


def _client(args: argparse.Namespace, settings: Settings, url: str) -> TGIModel | CompletionsModel:
    if args.api == "openai":
        return CompletionsModel(
            url, model=args.model_name, timeout_s=settings.tgi_timeout_s, retries=settings.tgi_retries
        )
    return TGIModel(
        url,
        timeout_s=settings.tgi_timeout_s,
        retries=settings.tgi_retries,
        backoff_base_s=settings.tgi_backoff_base_s,
    )


@contextmanager
def _stand_in(simulated: SimulatedModel) -> Iterator[str]:
    """The project's TGI stand-in (a real HTTP server on loopback) answering as the simulated model."""
    if not (SOURCE_ROOT / "tests" / "stand_ins" / "tgi_server.py").is_file():
        raise UsageError("--simulate needs a source checkout of codellama-bot (it serves tests/stand_ins)")
    if str(SOURCE_ROOT) not in sys.path:
        sys.path.insert(0, str(SOURCE_ROOT))
    from tests.stand_ins.tgi_server import TGIStandIn

    with TGIStandIn(simulated) as tgi:
        yield tgi.url
