"""A source file as lines, remembering its line endings so an edit never changes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workers.edits.records import Refused


@dataclass(frozen=True)
class TextFile:
    """Lines without endings, the file's newline ("\\n" or "\\r\\n"), and whether it ended with one."""

    lines: tuple[str, ...]
    newline: str = "\n"
    final_newline: bool = True

    @classmethod
    def from_text(cls, text: str) -> TextFile:
        # Only a file whose every line ends in CRLF is treated as CRLF; a mixed file keeps its stray "\r"
        # characters inside lines, so they survive untouched.
        crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
        body = text.replace("\r\n", "\n") if crlf else text
        final = body.endswith("\n")
        lines = body.split("\n")
        if final or body == "":
            lines.pop()
        return cls(tuple(lines), "\r\n" if crlf else "\n", final or body == "")

    def with_lines(self, lines: tuple[str, ...] | list[str]) -> TextFile:
        return TextFile(tuple(lines), self.newline, self.final_newline)

    def text(self) -> str:
        if not self.lines:
            return ""
        return self.newline.join(self.lines) + (self.newline if self.final_newline else "")


def read_text_file(path: Path, display: str) -> TextFile:
    """Read a file the model wants to edit; binary or undecodable files are refused, not mangled."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused(f"{display} cannot be read: {exc.strerror}") from exc
    if b"\0" in data[:8192]:
        raise Refused(f"{display} is a binary file; it cannot be edited as text")
    try:
        return TextFile.from_text(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Refused(f"{display} is not UTF-8 text; it cannot be edited safely") from exc


def split_answer_lines(text: str) -> list[str]:
    """The model's answer as lines, whatever line endings it used (models and web forms send CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
