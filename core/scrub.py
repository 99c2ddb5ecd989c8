"""One scrubber for everything that leaves a worker: comments, pull requests, commits, prompts and logs.

It knows the settings' secrets (the private key, each line of it, the webhook secret) and the
installation tokens minted in this process, and also removes anything shaped like a GitHub token or a
credential embedded in a URL. A secret is replaced by `***`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from core.settings import Settings

log = logging.getLogger("codellama.scrub")

MASK = "***"
# A key's base64 lines are 64 characters; shorter pieces (the last line, the BEGIN/END labels) are
# either covered by the whole key or not secret, and masking every short string would wreck the text.
MIN_LINE_CHARS = 16
# Whole secrets shorter than this are not masked on their own: masking a 3-letter webhook secret
# everywhere would garble every comment. They are not refused; a warning says they are not masked.
MIN_SECRET_CHARS = 4
# Tokens minted in this process live an hour; a worker runs a few jobs an hour, each minting one or two.
# Each kept token costs a scan of the text (about 0.4 ms per 2 MB), so the list is bounded.
LEARNED_TOKENS_KEPT = 64

# GitHub's token shapes (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and user:password@ in URLs. No \b in
# front: a leading literal lets the regex engine skip ahead, 60 times faster on megabytes of output.
_SHAPES = re.compile(r"g(?:h[pousr]_[A-Za-z0-9]{20,}|ithub_pat_[A-Za-z0-9_]{20,})")
_URL_CREDENTIALS = re.compile(r"(https?://)[^/@\s]+@")

_learned: deque[str] = deque(maxlen=LEARNED_TOKENS_KEPT)
_learned_lock = threading.Lock()
_learned_version = 0


def learn_token(token: str) -> None:
    """Remember a secret minted at run time (an installation token), for every scrubber in this process."""
    global _learned_version
    if len(token) < MIN_SECRET_CHARS:
        return
    with _learned_lock:
        if token not in _learned:
            _learned.append(token)
            _learned_version += 1


def secret_pieces(values: Iterable[str]) -> list[str]:
    """Each secret, and each long enough line of a multi-line one (a PEM key quoted line by line, or
    inside JSON with its newlines escaped, still has every line in the clear)."""
    pieces: set[str] = set()
    for value in values:
        if len(value.strip()) >= MIN_SECRET_CHARS:
            pieces.add(value)
            pieces.add(value.strip())
        if "\n" in value.strip():
            pieces.update(ln.strip() for ln in value.splitlines() if len(ln.strip()) >= MIN_LINE_CHARS)
    return sorted(pieces, key=len, reverse=True)


class Scrubber:
    """Masks known secrets and secret-shaped strings in text. Thread-safe; cheap to call on megabytes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._fixed = secret_pieces(secrets)
        self._version = -1
        self._pieces: list[str] = []
        self._lock = threading.Lock()

    def pieces(self) -> list[str]:
        """Every string masked, longest first, so a whole key is masked before any one of its lines."""
        with self._lock:
            if self._version != _learned_version:
                with _learned_lock:
                    learned = list(_learned)
                    version = _learned_version
                self._pieces = sorted(set(self._fixed) | set(learned), key=len, reverse=True)
                self._version = version
            return self._pieces

    def __call__(self, text: str) -> str:
        if not text:
            return text
        # One substring search per secret: 10 times faster than one regex of alternatives, which
        # Python's engine tries at every position.
        for piece in self.pieces():
            if piece in text:
                text = text.replace(piece, MASK)
        text = _SHAPES.sub(MASK, text)
        return _URL_CREDENTIALS.sub(r"\1" + MASK + "@", text)


_by_secrets: dict[tuple[str, ...], Scrubber] = {}


def scrubber_for(settings: Settings) -> Scrubber:
    """The scrubber for these settings' secrets (one per distinct set, shared by the process)."""
    key = tuple(settings.secret_values())
    with _learned_lock:
        created = key not in _by_secrets
        if created:
            _by_secrets[key] = Scrubber(key)
        scrubber = _by_secrets[key]
    # Warned outside the lock: with log scrubbing installed, logging scrubs the record, which takes it.
    if created and any(len(v.strip()) < MIN_SECRET_CHARS for v in key):
        log.warning("a secret setting shorter than %d characters is not masked in output", MIN_SECRET_CHARS)
    return scrubber


class ScrubFilter(logging.Filter):
    """Masks secrets in a log record's message, arguments, traceback and stack, in place."""

    def __init__(self, scrubber: Scrubber) -> None:
        super().__init__()
        self.scrubber = scrubber

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; the handler reports it as logging always has
            return True
        scrubbed = self.scrubber(message)
        if scrubbed != message:
            record.msg, record.args = self._masked_parts(record, scrubbed)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrubber(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrubber(record.stack_info)
        return True

    def _masked_parts(self, record: logging.LogRecord, scrubbed: str) -> tuple[object, Any]:
        """The record's format and arguments with the secrets masked in each, where that gives the scrubbed
        message (formatters such as uvicorn's access log read the arguments themselves); else the scrubbed
        message alone."""
        if isinstance(record.msg, str) and isinstance(record.args, tuple):
            args = tuple(
                a if isinstance(a, int | float) else self.scrubber(a if isinstance(a, str) else str(a))
                for a in record.args
            )
            msg = self.scrubber(record.msg)
            with contextlib.suppress(Exception):
                if msg % args == scrubbed:
                    return msg, args
        return scrubbed, None


_installed: list[ScrubFilter] = []


def install_log_scrubbing(scrubber: Scrubber) -> None:
    """Scrub every log record this process makes, whichever logger or handler it goes to (Celery adds
    its own handlers, and a filter on one handler would miss the others)."""
    if _installed:
        _installed[0].scrubber = scrubber
        return
    scrub_filter = ScrubFilter(scrubber)
    _installed.append(scrub_filter)
    make_record = logging.getLogRecordFactory()

    def scrubbed_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        scrub_filter.filter(record)
        return record

    logging.setLogRecordFactory(scrubbed_record)
