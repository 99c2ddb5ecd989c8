"""Preparing a checkout for its tests: the plan's setup commands, run like any repository code."""

from __future__ import annotations

from pathlib import Path

from core.errors import JobFailed
from core.settings import Settings
from workers.checkout.test_plan import TestPlan
from workers.runners.process import CommandRunner

TAIL_CHARS = 3000


def run_setup(runner: CommandRunner, plan: TestPlan, repo_root: Path, settings: Settings) -> None:
    """A failing setup is the environment's fault, not the code's: it is reported, never 'fixed'."""
    for command in plan.setup:
        result = runner.run(
            command,
            repo_root,
            timeout_s=settings.setup_timeout_s,
            network=settings.setup_network,
            output_limit=settings.test_output_limit_bytes,
        )
        if not result.ok:
            why = "timed out" if result.timed_out else f"exited with {result.exit_code}"
            raise JobFailed(
                f"the setup command `{command}` {why}, so the tests could not run. "
                f"Its output ended with:\n```\n{result.output[-TAIL_CHARS:]}\n```"
            )
