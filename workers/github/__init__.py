"""A repair job for GitHub: the request from an event, the gateway to the repository, the report."""
