"""Caps on the words people give the bot (issue title and body, instructions): past them a job keeps the
start with a visible marker, and `fix --issue` is refused. The prompt has a token budget; text past these
sizes would crowd out the code, and a megabyte body must not reach a prompt, a log or the memory of a job."""

from __future__ import annotations

from core.errors import JobFailed

TITLE_CHARS = 256  # GitHub's own limit on an issue title
BODY_CHARS = 8_000
INSTRUCTIONS_CHARS = 4_000
# A revision's review comments and the pull request's diff: the most recent comments and the first files.
REVIEW_COMMENT_CHARS = 1_500
REVIEW_COMMENTS_CHARS = 8_000
REVIEW_COMMENTS_MAX = 50
DIFF_CHARS = 12_000
DIFF_FILES_MAX = 100


def capped(text: str, limit: int, what: str) -> str:
    """`text` cut to `limit` characters, ending with a marker that says how much was left out."""
    if len(text) <= limit:
        return text
    marker = f"\n[… {what} cut: {len(text) - limit:,} more characters, over the bot's cap of {limit:,}]"
    return text[:limit] + marker


def check_cap(text: str, limit: int, what: str) -> str:
    """`text` unchanged, or JobFailed saying what is too long and by how much (for the CLI, exit 2)."""
    if len(text) > limit:
        raise JobFailed(
            f"{what} is {len(text):,} characters, over the cap of {limit:,}; "
            "say what is wrong in fewer words (the prompt needs the room for code)"
        )
    return text
