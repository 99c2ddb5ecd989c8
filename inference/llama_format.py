"""Code Llama-Instruct prompts, laid out exactly as Meta's reference `chat_completion` does.

Meta's reference (llama and codellama `generation.py`) folds the system prompt into the first user turn
inside `<<SYS>>` tags, then encodes every (user, assistant) pair as
`<s>[INST] {user.strip()} [/INST] {answer.strip()} </s>` and the last user turn as
`<s>[INST] {user.strip()} [/INST]`, where `<s>`/`</s>` are the BOS/EOS tokens the tokenizer adds.

TGI's tokenizer adds BOS itself, so the text built here starts without the first `<s>`: the server then
sees exactly one BOS, as the reference does. The `<s>` and `</s>` between later turns stay as text;
Code Llama's Hugging Face tokenizer reads them back as the BOS/EOS special tokens, as its own chat
template relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

B_INST, E_INST = "[INST]", "[/INST]"
B_SYS, E_SYS = "<<SYS>>\n", "\n<</SYS>>\n\n"
BOS, EOS = "<s>", "</s>"

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One turn of a dialog."""

    role: Role
    content: str


# The markers a stranger's text could use to forge a turn or a system prompt. `<s>` and `</s>` are
# special tokens to the tokenizer; `[INST]` and the SYS tags are plain text the model was tuned on.
# The tags match case-insensitively because the model reads "[inst]" much like "[INST]"; `<s>` only
# exactly, as the tokenizer matches special tokens (so HTML's `<S>` stays untouched).
_MARKER = re.compile(r"(?i:\[/?INST\]|<</?SYS>>)|</?s>")
# A zero-width space after the opening bracket changes the tokens (no special token, no tag the model
# learned) while the text still reads the same to a person and to the model.
ZWSP = "\u200b"
_DEFUSED = re.compile(r"(?i:\[\u200b/?INST\]|<\u200b</?SYS>>)|<\u200b/?s>")


def sanitize(text: str) -> str:
    """Defuse the control markers in untrusted text; everything else is left byte for byte."""
    return _MARKER.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)


def restore(text: str) -> str:
    """Undo sanitize in the model's answer, so code it copies from a defused prompt matches the file.

    Exact inverse of sanitize, except for text that already held a defused marker before sanitizing
    (a zero-width space inside `[INST]`-like tags), which no real repository is expected to contain.
    """
    return _DEFUSED.sub(lambda m: m.group(0).replace(ZWSP, "", 1), text)


def build_prompt(messages: list[Message]) -> str:
    """The prompt text for TGI's /generate: Meta's layout, without the leading BOS TGI adds itself.

    Raises ValueError when the dialog is not [system], user, assistant, user, …, user, which the
    reference asserts too.
    """
    dialog = [_defused(m) for m in messages]
    if dialog and dialog[0].role == "system":
        if len(dialog) < 2:
            raise ValueError("a system prompt must be followed by a user message")
        # The reference concatenates before stripping: only the combined content is stripped.
        first = Message(dialog[1].role, B_SYS + dialog[0].content + E_SYS + dialog[1].content)
        dialog = [first, *dialog[2:]]
    _check_alternation(dialog)
    pieces = [
        f"{BOS}{B_INST} {user.content.strip()} {E_INST} {answer.content.strip()} {EOS}"
        for user, answer in zip(dialog[::2], dialog[1::2], strict=False)
    ]
    pieces.append(f"{BOS}{B_INST} {dialog[-1].content.strip()} {E_INST}")
    return "".join(pieces).removeprefix(BOS)


def _defused(message: Message) -> Message:
    # The system prompt is the bot's own text; user and assistant turns carry issue text, code, logs
    # and model output, any of which a stranger may have written.
    if message.role == "system":
        return message
    return Message(message.role, sanitize(message.content))


def _check_alternation(dialog: list[Message]) -> None:
    if not dialog:
        raise ValueError("a dialog needs at least one user message")
    for index, message in enumerate(dialog):
        expected = "user" if index % 2 == 0 else "assistant"
        if message.role != expected:
            raise ValueError(
                f"message {index} is from {message.role!r} but must be from {expected!r}: the dialog must be "
                "[system], user, assistant, user, … (Code Llama-Instruct's format)"
            )
    if dialog[-1].role != "user":
        raise ValueError("the last message must be from the user, so the model has something to answer")
