"""Failure evidence parsed from test-runner and CI logs."""
