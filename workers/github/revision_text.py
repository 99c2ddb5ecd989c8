"""The words of a revision of the bot's own pull request: its task for the model, bounded, and the ledger
entry and comment it leaves on GitHub. Pure logic."""

from __future__ import annotations

import re
from string import Template

from core.jobs import RepairRequest
from inference import prompts
from workers.github.gateway import ChangedFile, PullInfo, ReviewNote
from workers.github.report_text import summarize_run
from workers.loop.repair_loop import RepairResult
from workers.loop.text_caps import (
    DIFF_CHARS,
    INSTRUCTIONS_CHARS,
    REVIEW_COMMENT_CHARS,
    REVIEW_COMMENTS_CHARS,
    TITLE_CHARS,
    capped,
)

REVISIONS_HEADING = "### Revisions"
# The footer report_text.PULL_BODY ends with; the revisions go above it.
FOOTER = "*Opened by codellama-bot."
# One per revision, invisible on GitHub: a redelivered job finds its own and does not revise twice.
_MARK = Template("<!-- codellama-revision $delivery -->")
_MARKS = re.compile(r"<!-- codellama-revision \S+ -->")

ENTRY = Template("""\
- **Revision $n**: $commit, asked by @$user $where. $files_changed
  Tests after: $after. $attempts candidate(s) in $rounds round(s); spent: $spend. $mark""")

REVISED = Template("""\
I pushed $url to this pull request's branch, revising it as asked; the tests pass on it.
The description's ledger has the details.""")


def task_text(
    request: RepairRequest, pull: PullInfo, notes: list[ReviewNote], files: list[ChangedFile]
) -> str:
    asked = capped(request.instructions, INSTRUCTIONS_CHARS, "instructions")
    instructions = (
        prompts.render(prompts.INSTRUCTIONS, user=request.requested_by, text=asked) if asked else ""
    )
    return prompts.render(
        prompts.TASK_REVISION,
        number=pull.number,
        title=capped(pull.title, TITLE_CHARS, "title"),
        branch=pull.head_ref,
        base=pull.base_ref,
        instructions=instructions,
        comments=notes_text(notes),
        diff=diff_text(files),
    )


def notes_text(notes: list[ReviewNote]) -> str:
    """Review comments, latest last; past the cap the oldest give way, with a marker saying how many."""
    shown: list[str] = []
    total = 0
    for note in reversed(notes):
        text = prompts.REVIEW_COMMENT.substitute(
            path=note.path,
            line=note.line if note.line is not None else "?",
            user=note.user,
            code=note.code[:300],
            body=capped(note.body.strip(), REVIEW_COMMENT_CHARS, "comment").replace("\n", "\n  "),
        )
        if total + len(text) > REVIEW_COMMENTS_CHARS:
            shown.append(f"[… {len(notes) - len(shown)} older review comment(s) left out, over the cap]")
            break
        shown.append(text)
        total += len(text)
    return "\n".join(reversed(shown)) or "(none)"


def diff_text(files: list[ChangedFile]) -> str:
    """The pull request's diff, file by file, cut at the cap with a marker naming the files left out."""
    parts: list[str] = []
    total = 0
    for i, changed in enumerate(files):
        part = f"--- {changed.path} ({changed.status})\n{changed.patch or '(no textual diff)'}"
        if total + len(part) > DIFF_CHARS:
            rest = ", ".join(f.path for f in files[i:][:20])
            parts.append(f"[… diff cut at the bot's cap of {DIFF_CHARS:,} characters; not shown: {rest}]")
            break
        parts.append(part)
        total += len(part)
    return "\n".join(parts).replace("```", "'''") or "(no changes)"


def query_text(request: RepairRequest, pull: PullInfo, notes: list[ReviewNote]) -> str:
    """What retrieval looks for: the files and words the reviewers point at."""
    return "\n".join(
        [pull.title, request.instructions[:INSTRUCTIONS_CHARS]] + [f"{n.path} {n.body[:500]}" for n in notes]
    )


def done_by(body: str, delivery_id: str) -> bool:
    return _MARK.substitute(delivery=delivery_id) in body


def entry(
    body: str, request: RepairRequest, result: RepairResult, *, commit_url: str, sha: str, files: list[str]
) -> str:
    return ENTRY.substitute(
        n=len(_MARKS.findall(body)) + 1,
        commit=f"[{sha[:7]}]({commit_url})",
        user=request.requested_by or "someone",
        where="in a review" if request.review_id else "in a comment",
        files_changed="Changed " + (", ".join(f"`{f}`" for f in files) or "nothing") + ".",
        after=summarize_run(result.after),
        attempts=len(result.attempts),
        rounds=result.rounds,
        spend=result.spend.line(),
        mark=_MARK.substitute(delivery=request.delivery_id),
    )


def with_revision(body: str, line: str) -> str:
    """The body with `line` added to its revisions section, made above the footer when there is none yet."""
    if REVISIONS_HEADING in body:
        head, _, section = body.partition(REVISIONS_HEADING)
        # The section ends where the next heading or the footer starts.
        end = min(
            (i for i in (section.find("\n### "), section.find("\n" + FOOTER)) if i >= 0), default=len(section)
        )
        return f"{head}{REVISIONS_HEADING}{section[:end].rstrip()}\n{line}\n{section[end:]}".rstrip() + "\n"
    block = f"{REVISIONS_HEADING}\n{line}\n"
    if FOOTER in body:
        before, _, after = body.partition(FOOTER)
        return f"{before.rstrip()}\n\n{block}\n{FOOTER}{after}"
    return f"{body.rstrip()}\n\n{block}"
