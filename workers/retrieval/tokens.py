"""A conservative token count for when TGI's /tokenize cannot be reached.

Llama's SentencePiece vocabulary splits digits one by one, falls back to bytes outside ASCII, and keeps most
short words whole; counting every digit, punctuation mark and non-ASCII byte as a token, and a word as one
token per three letters, overestimates real counts on code, which is the safe side for a hard budget.
"""

from __future__ import annotations

import re

_PIECES = re.compile(r"[A-Za-z]+|\n| +|\t+|[^\sA-Za-z]")


def estimate_tokens(text: str) -> int:
    """Never fewer tokens than Code Llama's tokenizer would count on ordinary source text."""
    count = 1  # the BOS a tokenizer may add
    for piece in _PIECES.findall(text):
        first = piece[0]
        if first.isalpha():
            count += -(-len(piece) // 3)
        elif first == " ":
            count += -(-len(piece) // 4)
        elif first == "\t":
            count += len(piece)
        else:
            count += len(piece.encode("utf-8"))
    return count
