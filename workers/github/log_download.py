"""Downloading CI job logs with every size bounded: bytes on the wire, bytes unpacked (a gzip or zip bomb is
refused, not inflated), wall time, and the text kept, a budget the logs of one job share.

A log arrives plain, gzip-encoded (Content-Encoding or the gzip magic) or as a zip of step logs (what
GitHub's run-logs archive is). Raw bytes are spooled to a temporary file, then unpacked in bounded chunks;
only the tail of each log is kept, because the failures and the runner's summary are at the end.
"""

from __future__ import annotations

import codecs
import struct
import tempfile
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import requests

from core.errors import GitHubUnavailable, JobFailed

MIB = 1024 * 1024
CHUNK = 1 << 16
UNPACK_CHUNK = MIB  # the most one decompress step may produce


@dataclass(frozen=True)
class LogLimits:
    downloaded_bytes: int = 256 * MIB  # raw bytes, over all the job's logs
    unpacked_bytes: int = 512 * MIB  # after gzip/zip, over all the job's logs
    total_s: float = 300.0  # for all the job's logs
    kept_bytes: int = 20 * MIB  # the tails kept, shared evenly among the logs
    max_logs: int = 20  # failed jobs past this many are not read
    max_members: int = 1000  # files in one zip


class LogTooBig(JobFailed):
    """A log past one of the caps: the job ends with a message naming the cap."""


class _Budget:
    def __init__(self, limits: LogLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.total_s
        self.downloaded = 0
        self.unpacked = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LogTooBig(f"downloading the CI logs took longer than {self.limits.total_s:g} s; not read")

    def read_timeout(self) -> float:
        return max(min(60.0, self.deadline - time.monotonic()), 1.0)

    def check_declared(self, n: int) -> None:
        if self.downloaded + n > self.limits.downloaded_bytes:
            self._too_big_to_download()

    def add_downloaded(self, n: int) -> None:
        self.downloaded += n
        if self.downloaded > self.limits.downloaded_bytes:
            self._too_big_to_download()
        self.check_time()

    def _too_big_to_download(self) -> None:
        cap = self.limits.downloaded_bytes / MIB
        raise LogTooBig(f"the CI logs are more than {cap:g} MiB to download; not read")

    def add_unpacked(self, n: int, name: str) -> None:
        self.unpacked += n
        if self.unpacked > self.limits.unpacked_bytes:
            cap = self.limits.unpacked_bytes / MIB
            raise LogTooBig(
                f"the log of `{name}` unpacks to more than {cap:g} MiB (a compression bomb?); not read"
            )
        self.check_time()


class _Tail:
    """The last `size` bytes written, holding at most `size` plus one chunk."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.chunks: deque[bytes] = deque()
        self.held = 0
        self.dropped = 0

    def write(self, data: bytes) -> None:
        self.chunks.append(data)
        self.held += len(data)
        while self.chunks and self.held - len(self.chunks[0]) >= self.size:
            first = self.chunks.popleft()
            self.held -= len(first)
            self.dropped += len(first)

    def text(self) -> str:
        """The tail as text, marked when its start was dropped. Decoded chunk by chunk as the bytes are let
        go, so the tail is held about twice at most, never three or four times."""
        cut = max(self.held - self.size, 0)
        if cut:
            self.chunks[0] = self.chunks[0][cut:]
        dropped = self.dropped + cut
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # An ASCII marker: one "…" would make Python store the whole text at 2 bytes a character.
        parts = [f"[... the first {dropped:,} bytes of this log were not kept]\n" if dropped else ""]
        while self.chunks:
            parts.append(decoder.decode(self.chunks.popleft()))
        parts.append(decoder.decode(b"", final=True))
        self.held = 0
        return "".join(parts)


def fetch_logs(named_urls: list[tuple[str, str]], limits: LogLimits | None = None) -> list[tuple[str, str]]:
    """(name, text) for each (name, url), at most `limits.max_logs`; LogTooBig past a cap.

    Log URLs are pre-signed: no token is sent with them.
    """
    limits = limits or LogLimits()
    chosen = named_urls[: limits.max_logs]
    budget = _Budget(limits)
    share = limits.kept_bytes // max(len(chosen), 1)
    return [(name, _fetch(name, url, budget, share)) for name, url in chosen]


def _fetch(name: str, url: str, budget: _Budget, share: int) -> str:
    with tempfile.TemporaryFile(prefix="codellama-log-") as raw:
        encoding = _download(url, raw, budget)
        raw.seek(0)
        head = raw.read(4)
        raw.seek(0)
        tail = _Tail(share)
        if head.startswith(b"PK\x03\x04"):
            for member_name, chunk in _zip_members(raw, name, budget):
                tail.write(chunk if member_name is None else f"\n== {member_name} ==\n".encode())
        elif encoding in ("gzip", "x-gzip", "deflate") or head.startswith(b"\x1f\x8b"):
            for chunk in _inflate(raw, name, budget):
                tail.write(chunk)
        else:
            while chunk := raw.read(CHUNK):
                tail.write(chunk)
        return tail.text()


def _download(url: str, sink: IO[bytes], budget: _Budget) -> str:
    """Spool the raw body into `sink`; returns its Content-Encoding."""
    try:
        with requests.get(url, timeout=(10, budget.read_timeout()), stream=True) as response:
            response.raise_for_status()
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit():
                budget.check_declared(int(declared))  # refused before reading a byte
            while chunk := response.raw.read(CHUNK, decode_content=False):
                budget.add_downloaded(len(chunk))
                sink.write(chunk)
            return response.headers.get("Content-Encoding", "").strip().lower()
    except requests.RequestException as exc:
        raise GitHubUnavailable(f"downloading a job log failed: {exc}") from exc


def _inflate(raw: IO[bytes], name: str, budget: _Budget) -> Iterator[bytes]:
    """gzip (possibly several members) or zlib data, at most UNPACK_CHUNK bytes per step."""
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
    pending = b""
    while True:
        if not pending:
            pending = raw.read(CHUNK)
            if not pending:
                return
        try:
            out = inflater.decompress(pending, UNPACK_CHUNK)
        except zlib.error as exc:
            raise JobFailed(f"the log of `{name}` is not valid gzip data: {exc}") from exc
        pending = inflater.unconsumed_tail
        if inflater.eof:  # a gzip member ended; another may follow (concatenated gzip)
            pending = inflater.unused_data + pending
            inflater = zlib.decompressobj(wbits=47)
        budget.add_unpacked(len(out), name)
        yield out


def _zip_members(raw: IO[bytes], name: str, budget: _Budget) -> Iterator[tuple[str | None, bytes]]:
    """(member name, b"") when a member starts, then (None, chunk) for its text, members in name order."""
    _check_member_count(raw, name, budget.limits.max_members)
    try:
        with zipfile.ZipFile(raw) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                yield info.filename, b""
                with archive.open(info) as member:
                    while chunk := member.read(UNPACK_CHUNK):
                        budget.add_unpacked(len(chunk), name)
                        yield None, chunk
    except (zipfile.BadZipFile, NotImplementedError, EOFError, zlib.error) as exc:
        raise JobFailed(f"the log of `{name}` is not a readable zip archive: {exc}") from exc


def _check_member_count(raw: IO[bytes], name: str, most: int) -> None:
    """Refuse a zip of too many files before zipfile reads its whole directory into memory.

    The end-of-central-directory record (the last 22 bytes, before a comment of at most 64 KiB) states
    the count; 0xFFFF means a ZIP64 archive, which no log needs.
    """
    raw.seek(0, 2)
    size = raw.tell()
    raw.seek(max(size - (22 + 0xFFFF), 0))
    tail = raw.read()
    raw.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise JobFailed(f"the log of `{name}` is not a readable zip archive (no end record)")
    (count,) = struct.unpack("<H", tail[at + 10 : at + 12])
    if count > most:
        raise LogTooBig(
            f"the log of `{name}` is a zip of {count:,} files, over the cap of {most:,}; not read"
        )
