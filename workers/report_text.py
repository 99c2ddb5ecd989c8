"""What the bot writes on GitHub: pull request bodies and comments, as templates. Pure logic."""

from __future__ import annotations

from string import Template

from workers.process import RunResult
from workers.repair_loop import RepairResult

PULL_BODY = Template("""\
$link_line

### What was wrong
$explanation

### What changed
$files

### Tests
Command: `$command`

| | result |
|---|---|
| before | $before |
| after | $after |

<details><summary>Attempts ($attempts in $rounds round(s))</summary>

$attempt_lines
</details>

*Opened by codellama-bot. Review it like any other contribution; comment `/codellama fix` with
instructions on this pull request to ask for a revision.*""")

PULL_OPENED = Template("I opened $url with a fix; the tests pass on it.")

GAVE_UP = Template("""\
I could not fix this: $reason.

What I tried: $attempts candidate(s) in $rounds round(s).
$attempt_lines

<details><summary>Last test output (`$command`)</summary>

```
$output
```
</details>

You can retry by commenting `/codellama fix` followed by instructions (which file to look at,
what the fix should do).""")

MODEL_DOWN = Template("""\
I could not work on this: the model server did not answer ($error).
Nothing was changed. Ask an operator to check the text-generation-inference server, then comment
`/codellama fix` again.""")

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


def pull_body(result: RepairResult, *, link_line: str, command: str, files: list[str]) -> str:
    return PULL_BODY.substitute(
        link_line=link_line,
        explanation=result.explanation or "(the model gave no explanation)",
        files="\n".join(f"- `{f}`" for f in files) or "- (none)",
        command=command,
        before=summarize_run(result.before),
        after=summarize_run(result.after),
        attempts=len(result.attempts),
        rounds=result.rounds,
        attempt_lines=attempt_lines(result),
    )


def gave_up(result: RepairResult, *, command: str) -> str:
    last = result.after or result.before
    output = last.output[-OUTPUT_CHARS:].replace("```", "'''")
    return GAVE_UP.substitute(
        reason=result.reason,
        attempts=len(result.attempts),
        rounds=result.rounds,
        attempt_lines=attempt_lines(result),
        command=command,
        output=output,
    )
