"""A delivery refused at the boundary: the HTTP status and the reason the sender is told."""

from __future__ import annotations


class Refused(Exception):
    """Raised while reading a delivery; the receiver answers `status` with `reason` and does nothing else."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
