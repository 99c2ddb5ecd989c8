"""Prompt text, as data: named templates with placeholders, rendered by `render`.

Control-flow code picks a template and fills it; it never assembles prose itself. The edit format's own
instructions and worked example come from inference/edit_prompts.py, through the format object.
"""

from __future__ import annotations

from string import Template

SYSTEM = """\
You are codellama-bot, a careful software engineer who repairs bugs in other people's repositories.
You are shown evidence of a failure and the relevant code with line numbers. Find the root cause and
fix it with the smallest change that makes the failing tests pass without breaking the others.
Never edit, skip or delete tests unless you are explicitly asked to, never touch CI configuration,
and never add network access or secrets. Answer with a one- or two-sentence explanation of the
cause, then the edits, in exactly the edit format described."""

REPAIR = Template("""\
Repository: $repository
$task

## Failure evidence
$evidence

## Relevant code
$code

## How to answer
$edit_instructions

Explain the cause in one or two sentences, then give the edits.""")

TASK_ISSUE = Template("""\
Fix the problem reported in this issue.

### Issue #$number: $title
$body
$instructions""")

# A revision of the bot's own pull request: the reviewers' words and the change as it stands.
TASK_REVISION = Template("""\
Revise pull request #$number, "$title", on branch `$branch`. It already changes the code (its diff is
below); reviewers asked for changes. Keep what they did not object to and change what they asked for.
Edit the files as they are now, with the pull request's change applied.
$instructions

### Review comments
$comments

### The pull request's current diff against `$base`
```diff
$diff
```""")

REVIEW_COMMENT = Template("""\
- `$path` line $line, @$user:
  > $code
  $body""")

TASK_CI = Template("""\
Continuous integration failed on branch `$branch` at commit $sha. Make the failing tests pass.""")

TASK_LOCAL = Template("""\
Make the failing tests pass.
$instructions""")

INSTRUCTIONS = Template("""\

### Instructions from @$user
$text""")

# The repository's own `instructions:` from .github/codellama.yml, after the task of every job.
STANDING_INSTRUCTIONS = Template("""\

### Standing instructions from the repository's .github/codellama.yml
$text""")

TESTS_FAILED = Template("""\
Your edits were applied, but the tests still fail. This is what failed (test command: `$command`):

$excerpt

Your edits have been undone. Work out why they did not fix the failure, then answer again with
edits against the original code shown in the first message. Use the same edit format.""")

EDITS_NOT_APPLIED = Template("""\
Your edits could not be applied, so nothing was changed:

$feedback

Answer again with edits against the original code shown in the first message; the text you replace
must match the file exactly.""")

NO_FAILING_EVIDENCE = "The tests currently pass; no failure output is available."


def render(template: Template, **values: object) -> str:
    """Fill a template; a missing placeholder is a programming error and raises KeyError."""
    return template.substitute({k: str(v) for k, v in values.items()}).strip() + "\n"
