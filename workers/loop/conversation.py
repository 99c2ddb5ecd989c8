"""The dialogue with the model across rounds, kept inside the context window. Pure logic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from inference.llama_format import Message, build_prompt


@dataclass
class Conversation:
    """System prompt, the first request, then (answer, feedback) pairs from failed rounds.

    When the window is tight the oldest pairs go first: the first request carries the code and the
    latest pair carries what went wrong most recently, which is what the next answer needs.
    """

    system: str
    request: str
    exchanges: list[tuple[str, str]] = field(default_factory=list)

    def add_round(self, answer: str, feedback: str) -> None:
        self.exchanges.append((answer, feedback))

    def prompt(self, budget_tokens: int, count_tokens: Callable[[str], int]) -> str:
        kept = list(self.exchanges)
        while True:
            text = build_prompt(self._messages(kept))
            if count_tokens(text) <= budget_tokens or not kept:
                return text
            kept.pop(0)

    def _messages(self, exchanges: list[tuple[str, str]]) -> list[Message]:
        messages = [Message("system", self.system), Message("user", self.request)]
        for answer, feedback in exchanges:
            messages += [Message("assistant", answer), Message("user", feedback)]
        return messages
