"""Stand-ins for the two things tests may not reach for real: GitHub and the GPU model server."""

from tests.stand_ins.github_server import GitHubStandIn

__all__ = ["GitHubStandIn"]
