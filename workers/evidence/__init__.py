"""Failure evidence parsed from test-runner and CI logs.

parse_log(text) and parse_log_file(path) find the failing tests, their errors and stack frames in the output
of pytest, unittest/Django, sympy's runner, go test, Jest, Vitest, cargo test and Maven Surefire, also
inside raw GitHub Actions job logs; prompt_excerpt(evidence, max_chars) renders what a model
should see of them.
"""

from workers.evidence.excerpt import prompt_excerpt
from workers.evidence.failures import BUILD, COLLECTION, CRASH, TEST, Evidence, Failure, Frame
from workers.evidence.parse import parse_log
from workers.evidence.stream import parse_log_file

__all__ = [
    "BUILD",
    "COLLECTION",
    "CRASH",
    "TEST",
    "Evidence",
    "Failure",
    "Frame",
    "parse_log",
    "parse_log_file",
    "prompt_excerpt",
]
