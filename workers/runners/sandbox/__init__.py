"""The sandbox that everything the repository under repair runs (its setup and its tests) goes through."""

from workers.runners.sandbox.bubblewrap import BubblewrapRunner
from workers.runners.sandbox.factory import make_runner, sandbox_available
from workers.runners.sandbox.limits import SandboxLimits, limits_from_settings
from workers.runners.sandbox.verdict import limit_hit

__all__ = [
    "BubblewrapRunner",
    "SandboxLimits",
    "limit_hit",
    "limits_from_settings",
    "make_runner",
    "sandbox_available",
]
