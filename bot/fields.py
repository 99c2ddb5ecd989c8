"""The value types of webhook fields the bot uses, each as narrow as GitHub's own documentation allows.

Strict: a number is never read from a string, a string never from a number, true is not 1. Every string
has a length cap, and the ones that end up in Redis keys, git refs or API paths have a pattern.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

# GitHub's ids are 64-bit; anything outside that is not an id GitHub gave out.
GitHubId = Annotated[int, Field(strict=True, ge=1, le=2**63 - 1)]
# owner/name, as GitHub allows them (letters, digits, '-', '_', '.'); also a safe Redis key and API path.
_FULL_NAME = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
FullName = Annotated[str, StringConstraints(strict=True, max_length=201, pattern=_FULL_NAME)]
_NO_CONTROLS = r"^[^\x00-\x1f\x7f]+$"
Login = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=100, pattern=_NO_CONTROLS)]
# SHA-1 today; SHA-256 repositories have 64 hex digits.
Sha = Annotated[str, StringConstraints(strict=True, pattern=r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")]
# A git ref name: no control characters, no space; git check-ref-format has the full rules.
_REF = r"^[^\x00-\x20\x7f~^:?*\[\\]+$"
Branch = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=255, pattern=_REF)]
# GitHub caps comment bodies at 65,536 characters.
CommentBody = Annotated[str, StringConstraints(strict=True, max_length=65_536)]
Word = Annotated[str, StringConstraints(strict=True, max_length=64)]
