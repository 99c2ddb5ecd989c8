"""The `codellama-bot` command: serve, worker, ready, fix, replay, apply, locate, bench, jobs, cancel."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.exits import OneLineParser, raise_on_sigterm, run_guarded
from core.logs import configure_logging
from core.settings import Settings, load_settings
from workers.local.arguments import existing_directory, new_file, port_number, positive_int


@dataclass(frozen=True)
class Subcommand:
    """One `codellama-bot NAME`: its line in the help, its arguments, and what it runs."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot import redis_conn
    from bot.access_log import AccessLog
    from bot.app import create_app
    from bot.context import HandlerContext
    from bot.dedupe import AsyncDeliveryLedger, DeliveryLedger
    from bot.enqueue import CeleryEnqueuer, WireMessages
    from bot.fast_path import FastPath
    from bot.github_gate import AppGitHubGate
    from bot.job_memory import RedisJobMemory
    from core.github_app import GitHubApp
    from core.job_registry import JobRegistry
    from core.startup import check_private_key, wait_for_redis
    from workers.queue.celery_app import make_celery

    settings.require("github_webhook_secret", "github_app_id", "github_private_key")
    check_private_key(settings)
    wait_for_redis(settings)
    store = redis_conn.connect(settings.redis_url)
    jobs = JobRegistry.for_settings(store, settings)
    celery = make_celery(settings)
    on_loop = redis_conn.connect_async(settings.redis_url)
    ctx = HandlerContext(
        settings=settings,
        ledger=DeliveryLedger(store, settings.dedupe_ttl_s),
        enqueuer=CeleryEnqueuer(celery, jobs, settings.github_api_url),
        github=AppGitHubGate(GitHubApp(settings)),
        memory=RedisJobMemory(store, settings.dedupe_ttl_s),
        jobs=jobs,
        fast=FastPath(
            AsyncDeliveryLedger(on_loop, settings.dedupe_ttl_s),
            WireMessages(celery, settings.celery_queue),
        ),
    )
    # log_config=None: uvicorn's records go through core/logs.py's handler (format, scrubbing: the
    # receiver mints installation tokens too) instead of handlers of its own.
    # uvloop and httptools (uvicorn[standard]): named, not "auto", so that a missing one fails at start
    # instead of silently serving at a fraction of the pace (bench/webhook_bench.py).
    uvicorn.run(
        AccessLog(create_app(ctx)),
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        loop="uvloop",
        access_log=False,  # bot/access_log.py writes the access lines
        http="httptools",
    )
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    # Checked before anything heavy is imported: a worker that cannot mint tokens must not start.
    from core.startup import check_private_key, wait_for_redis

    settings.require("github_app_id", "github_private_key")
    check_private_key(settings)
    wait_for_redis(settings)
    from workers.queue import metrics_server

    metrics_server.start(settings)  # before the job code imports prometheus_client, and before the pool forks
    from workers.queue.celery_app import keep_our_logging, make_celery
    from workers.queue.tasks import register_tasks

    app = make_celery(settings)
    register_tasks(app, settings)
    keep_our_logging()
    argv = [
        "worker",
        f"--concurrency={args.concurrency}",
        f"--loglevel={settings.log_level}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname={args.hostname}",
    ]
    app.worker_main(argv)
    return 0


def _ready(args: argparse.Namespace, settings: Settings) -> int:
    from workers.queue.readiness import report

    logging.getLogger().setLevel(logging.WARNING)  # a health check prints its one line, not request logs
    code, line = report(settings, worker=args.worker)
    print(line, file=sys.stdout if code == 0 else sys.stderr)
    return code


def _fix(args: argparse.Namespace, settings: Settings) -> int:
    from workers.local.fix import run_local_fix
    from workers.local.progress_display import fix_progress, outcome_line
    from workers.loop.repair_loop import RepairStatus
    from workers.pipeline import model_from

    with model_from(settings) as model, fix_progress(settings.log_format) as progress:
        fixed = run_local_fix(
            settings,
            Path(args.path),
            model,
            test_command=args.test,
            issue_text=args.issue or "",
            trajectory_path=args.trajectory,
            progress=progress,
        )
    result = fixed.result
    say = outcome_line(settings.log_format)
    if result.status == RepairStatus.NOT_REPRODUCED:
        print(f"codellama-bot: the tests pass; nothing to fix (`{result.before.command}` exits 0).")
        return 0
    if result.success:
        print(result.diff)
        say(f"Fixed: the tests pass. The fix is on branch {fixed.branch}.")
        if result.explanation:
            say(result.explanation)
        return 0
    say(f"Gave up: {result.reason}.")
    last = result.after or result.before
    say(last.output[-3000:])
    return 1


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=8000)


def _worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=positive_int, default=1)
    parser.add_argument("--hostname", default="codellama@%h")


def _ready_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--worker", action="store_true", help="also check the model server at TGI_URL")


def _fix_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=existing_directory)
    parser.add_argument("--test", help="the test command (default: .github/codellama.yml, else pytest)")
    parser.add_argument("--issue", help="what is wrong, in words, to guide the repair")
    parser.add_argument(
        "--trajectory",
        type=new_file,
        metavar="FILE",
        help="write the job's record (prompts, answers, verdicts) to FILE as JSON, not under BOT_DATA_DIR",
    )


def subcommands() -> dict[str, Subcommand]:
    """Every command, in the order the help lists them."""
    # Imported when the parser is built, not with this module: importing bot.cli loads none of them.
    from bot import jobs_cli
    from workers.benchmark import cli as bench
    from workers.edits import cli as apply
    from workers.replay import cli as replay
    from workers.retrieval import cli as locate

    return {
        "serve": Subcommand("run the webhook receiver", _serve_arguments, _serve),
        "worker": Subcommand("run a Celery worker for repair jobs", _worker_arguments, _worker),
        "ready": Subcommand(
            "exit 0 when Redis (and with --worker, the model server) answers", _ready_arguments, _ready
        ),
        "fix": Subcommand("repair a local git checkout until its tests pass", _fix_arguments, _fix),
        "replay": Subcommand(
            "run a recorded job's repair loop again and print what differs", replay.add_arguments, replay.run
        ),
        # `apply` needs no settings: it reads a checkout and an answer.
        "apply": Subcommand(
            "apply a model answer to a checkout and report each edit",
            apply.add_arguments,
            lambda args, _settings: apply.run(args),
        ),
        "locate": Subcommand(
            "rank the files and symbols most likely to need the change", locate.add_arguments, locate.run
        ),
        "bench": Subcommand(
            "run the repair loop on QuixBugs or HumanEvalFix and report figures",
            bench.add_arguments,
            bench.run,
        ),
        "jobs": Subcommand(
            "list recent jobs: state, phase, repository, age, spend, links",
            jobs_cli.add_list_arguments,
            jobs_cli.run_list,
        ),
        "cancel": Subcommand(
            "end a queued or running job, as `/codellama stop` does",
            jobs_cli.add_cancel_arguments,
            jobs_cli.run_cancel,
        ),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="codellama-bot", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the traceback when a command fails")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in subcommands().items():
        each = sub.add_parser(name, help=command.help)
        command.add_arguments(each)
        # `--debug` after the command's name too.
        each.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
        each.set_defaults(handler=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit codes and error lines are bot/exits.py's: one line for an expected error, never a traceback."""
    # Until the settings are read (then core/logs.py takes over), e.g. for a bad setting's own line.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv

    def command() -> int:
        args = build_parser().parse_args(argv)
        if args.command not in ("serve", "worker"):  # the services handle SIGTERM themselves
            raise_on_sigterm()
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        settings = load_settings()
        configure_logging(settings)
        return handler(args, settings)

    return run_guarded(command, debug="--debug" in argv)


if __name__ == "__main__":
    sys.exit(main())
