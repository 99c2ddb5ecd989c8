"""Keep a bounded amount of a command's output: its beginning and its end.

Test runners print their verdict last (pytest's summary, the failing assertion), so when output must be cut
the end is worth more than the middle.
"""

from __future__ import annotations


class OutputBuffer:
    """Accumulates chunks, keeping at most `limit` bytes: the first half and the most recent half."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head_limit = limit - limit // 2
        self.tail_limit = limit // 2
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head.extend(chunk[:room])
            chunk = chunk[room:]
        if chunk and self.tail_limit > 0:
            self.tail.extend(chunk)
            # Trim in batches, not on every chunk, so keeping the tail stays linear in the bytes read.
            if len(self.tail) > 2 * self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    @property
    def truncated(self) -> bool:
        return self.total > self.limit

    def text(self) -> str:
        """The kept output as text, with a marker where bytes were dropped."""
        tail = bytes(self.tail[-self.tail_limit :]) if self.tail_limit else b""
        kept = len(self.head) + len(tail)
        if self.total <= kept:
            return (bytes(self.head) + tail).decode("utf-8", errors="replace")
        dropped = self.total - kept
        marker = f"\n[... {dropped} bytes of output omitted; {self.limit} bytes kept ...]\n"
        return self.head.decode("utf-8", errors="replace") + marker + tail.decode("utf-8", errors="replace")
