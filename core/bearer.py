"""`Authorization: Bearer <token>`, the one way the operator's endpoints (the receiver's /jobs and /metrics,
the worker's metrics port) tell the operator from anyone else."""

from __future__ import annotations

import hmac


def authorized(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    return scheme.casefold() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
