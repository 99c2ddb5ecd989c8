"""Localization and context: which code the prompt shows, found from failure evidence, issue text and code."""

from workers.retrieval.context import CodeContext, build_context
from workers.retrieval.locate import locate
from workers.retrieval.rank import Ranked

__all__ = ["CodeContext", "Ranked", "build_context", "locate"]
