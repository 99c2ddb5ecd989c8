"""What the bot writes on GitHub: pull request bodies and comments, as templates. Pure logic."""

from __future__ import annotations

from collections.abc import Sequence
from string import Template

from workers.loop.repair_loop import RepairResult, RepairStatus
from workers.runners.process import RunResult

# How the fix was tested and what was tried: the same in a pull request and in a fork's review.
TESTS_AND_ATTEMPTS = Template("""\
### Tests
Command: `$command`$origin

| | result |
|---|---|
| before | $before |
| after | $after |

Spent: $spend.

<details><summary>Attempts ($attempts in $rounds round(s))</summary>

$attempt_lines
</details>""")

PULL_BODY = Template("""\
$link_line

### What was wrong
$explanation

### What changed
$files

$tests

*Opened by codellama-bot. Review it like any other contribution; comment `/codellama fix` with
instructions on this pull request to ask for a revision.*""")

PULL_OPENED = Template("I opened $url with a fix; the tests pass on it.")

_GAVE_UP = Template("""\
I could not fix this: $reason.

What I tried: $attempts candidate(s) in $rounds round(s). Spent: $spend.
$attempt_lines
$flaky_note
$origin_line<details><summary>Last test output (`$command`)</summary>

```
$output
```
</details>

You can retry by commenting `/codellama fix` followed by instructions (which file to look at,
what the fix should do).""")

_NOT_REPRODUCED = Template("""\
I could not reproduce this failure, so I did not change anything: the tests pass on this commit here,
$runs.
$reported
$flaky_note
$origin_line<details><summary>Test output here (`$command`)</summary>

```
$output
```
</details>

If the failure depends on something CI has and the bot's sandbox does not (network, services, secrets,
timing), it is not one the bot can fix. Comment `/codellama fix` with instructions to try anyway.""")

_NOT_CODE = Template("""\
This failure does not look like a bug in the code, so I did not try to fix it: $cause.
$flaky_note
$origin_line<details><summary>Test output here (`$command`)</summary>

```
$output
```
</details>

Once the environment is fixed (and CI fails again for a reason in the code), I can try again.""")

# What the bot says when a repair ends without a fix, by how it ended.
UNFIXED = {
    RepairStatus.GAVE_UP: _GAVE_UP,
    RepairStatus.NOT_REPRODUCED: _NOT_REPRODUCED,
    RepairStatus.NOT_CODE: _NOT_CODE,
}

MODEL_DOWN = Template("""\
I could not work on this: the model server did not answer ($error).
Nothing was changed. Ask an operator to check the text-generation-inference server, then comment
`/codellama fix` again.""")

BAD_CONFIG = Template("""\
I could not work on this: this repository's `.github/codellama.yml` is not valid.

$error

Nothing was changed. Fix the file (its keys are listed in the bot's README), then comment
`/codellama fix` again.""")

HELD = Template("""\
I did not work on this: $detail.

Nothing was changed.""")

PAUSED = Template("""\
I gave up on the last $count automatic CI repairs in this repository in a row, so I have
paused automatic repairs here rather than keep spending on failures I cannot fix.

Commands still work: comment `/codellama fix` (with instructions) on an issue or pull request. Automatic
repairs resume after the next repair that opens a pull request.""")

JOB_FAILED = Template("""\
I could not work on this: $error

Nothing was changed.""")

OUTPUT_CHARS = 3500


def summarize_run(run: RunResult | None) -> str:
    if run is None:
        return "not run"
    if run.timed_out:
        return f"timed out after {run.duration_s:.0f} s"
    last = next((ln.strip() for ln in reversed(run.output.splitlines()) if ln.strip()), "")
    verdict = "pass" if run.ok else f"fail (exit {run.exit_code})"
    return f"{verdict}: `{last[:120]}`" if last else verdict


def attempt_lines(result: RepairResult) -> str:
    return (
        "\n".join(f"- round {a.round}, candidate {a.candidate + 1}: {a.note}" for a in result.attempts)
        or "- no answer was usable"
    )


def commands_from(origin: str, notes: Sequence[str] = ()) -> str:
    """Where the test commands came from (config, CI's workflow file, job and step, or convention), and why
    CI's were passed over, for the line after the command."""
    if not origin:
        return ""
    lines = "".join(f"\n- {note.replace('`', chr(39))}" for note in notes)
    return f"\nCommands from {origin}.{lines}"


def pull_body(
    result: RepairResult, *, link_line: str, command: str, files: list[str], origin: str = ""
) -> str:
    return PULL_BODY.substitute(
        link_line=link_line,
        explanation=result.explanation or "(the model gave no explanation)",
        files="\n".join(f"- `{f}`" for f in files) or "- (none)",
        tests=tests_and_attempts(result, command, origin),
    )


def tests_and_attempts(result: RepairResult, command: str, origin: str = "") -> str:
    """`origin` is commands_from's line, or empty."""
    return TESTS_AND_ATTEMPTS.substitute(
        command=command,
        origin=origin,
        before=summarize_run(result.before),
        after=summarize_run(result.after),
        attempts=len(result.attempts),
        rounds=result.rounds,
        attempt_lines=attempt_lines(result),
        spend=result.spend.line(),
    )


def _output(run: RunResult) -> str:
    return run.output[-OUTPUT_CHARS:].replace("```", "'''")


def _reported(test_ids: list[str]) -> str:
    if not test_ids:
        return ""
    shown = ", ".join(f"`{t}`" for t in test_ids[:10]) + (" …" if len(test_ids) > 10 else "")
    return f"CI reported these tests failing: {shown}.\n"


def _flaky_note(result: RepairResult) -> str:
    if not result.flaky:
        return ""
    return "\nThe tests passed on the first run here and failed on the second: they may be flaky.\n"


def gave_up(result: RepairResult, *, command: str, origin: str = "") -> str:
    """What the bot says when a job ends without a pull request, whichever way it ended."""
    runs = " and ".join(summarize_run(r) for r in result.base_runs) or summarize_run(result.before)
    # Each template takes the fields it names; the last run's output is the base run's when no candidate ran.
    return UNFIXED[result.status].substitute(
        reason=result.reason,
        cause=result.cause,
        runs=f"{len(result.base_runs) or 1} time(s): {runs}",
        reported=_reported(result.reported),
        attempts=len(result.attempts),
        rounds=result.rounds,
        attempt_lines=attempt_lines(result),
        command=command,
        origin_line=f"{origin.strip()}\n" if origin else "",
        output=_output(result.after or result.before),
        spend=result.spend.line(),
        flaky_note=_flaky_note(result),
    )
