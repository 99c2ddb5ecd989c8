"""Every reply to a `/codellama` command, in one place to read and change. Pure templates.

The receiver sends the short refusals (nothing to retry or stop) at once; the worker sends help, which
carries the repository's effective configuration, and the note that a job was stopped.
"""

from __future__ import annotations

from string import Template

USAGE = Template("""\
**How to use codellama-bot.** Write one of these at the start of a comment on an issue or a pull request \
(you need write access to the repository):

| command | what it does |
|---|---|
| `$prefix fix [instructions]` | repair what the issue (or the pull request's failing tests) describes; \
text after `fix`, on the same line or the lines below, is passed to the model as instructions |
| `$prefix retry [instructions]` | run the last job for this issue or pull request again; new \
instructions replace the old ones |
| `$prefix stop` | stop the queued or running job for this issue or pull request within 30 s |
| `$prefix help` | this message, with the repository's configuration |

A failing CI run on a branch is repaired without a command. The bot opens a pull request when the \
repository's tests pass on its fix, and otherwise says what it tried.""")

UNKNOWN = Template("I do not know the command `$word`.\n\n")

CONFIG = Template("""\

**This repository's configuration** (`.github/codellama.yml` on `$branch`$where):

| key | value |
|---|---|
| `setup` | $setup |
| `test` | $test |
| `protected` | $protected |
| `auto_fix_ci` | $auto_fix_ci |
| `allow_test_edits` | $allow_test_edits |
| rounds (`max_rounds`, at most the operator's) | $rounds |
| candidates per round (`candidates`, at most the operator's) | $candidates |
| jobs / model tokens per day (`daily_jobs`, `daily_tokens`) | $daily |
| `instructions` | $instructions |""")

CONFIG_BROKEN = Template("""\

**This repository's configuration** on `$branch` is refused, so jobs end without running: $error""")

NOTHING_TO_RETRY = Template(
    "There is no earlier job for #$number that I remember (they are kept for $days days), so there is "
    "nothing to retry. Use `$prefix fix [instructions]` to start one."
)

NOTHING_TO_STOP = Template(
    "There is no job for #$number that I know of, so there is nothing to stop. "
    "`$prefix help` lists the commands."
)

STOPPED = Template(
    "I stopped the job $when, as `$prefix stop` asked: its test runs were killed and its checkout removed; "
    "nothing was pushed. `$prefix retry [instructions]` runs it again."
)


def help_text(prefix: str, unknown_word: str = "") -> str:
    # A backtick in the word would end the code span and let the rest render as markdown.
    intro = UNKNOWN.substitute(word=unknown_word.replace("`", "'")) if unknown_word else ""
    return intro + USAGE.substitute(prefix=prefix)
