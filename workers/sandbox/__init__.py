"""The sandbox that everything the repository under repair runs (its setup and its tests) goes through."""

from workers.sandbox.bubblewrap import BubblewrapRunner
from workers.sandbox.factory import make_runner, sandbox_available
from workers.sandbox.limits import SandboxLimits, limits_from_settings

__all__ = ["BubblewrapRunner", "SandboxLimits", "limits_from_settings", "make_runner", "sandbox_available"]
