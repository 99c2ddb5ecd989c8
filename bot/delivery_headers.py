"""The three headers that make a request a GitHub delivery, read from the raw header list.

Starlette's `request.headers.get` returns the first of duplicate headers and decodes bytes as latin-1,
so a non-ASCII signature reached `hmac.compare_digest`, which raises TypeError on non-ASCII text. Here
each header must appear once and be ASCII of the shape GitHub sends, before any of it is trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.refused import Refused

SIGNATURE = "x-hub-signature-256"
EVENT = "x-github-event"
DELIVERY = "x-github-delivery"

_SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}")
_EVENT = re.compile(r"[a-z][a-z0-9_]{0,63}")
# GitHub sends a GUID; redeliveries keep it. It becomes a Redis key and the Celery task id.
_DELIVERY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


@dataclass(frozen=True)
class DeliveryHeaders:
    signature: str
    event: str
    delivery_id: str


def read_headers(raw: list[tuple[bytes, bytes]]) -> DeliveryHeaders:
    """The delivery's headers, or Refused: 401 for a missing or malformed signature, 400 for the rest."""
    values: dict[str, list[bytes]] = {SIGNATURE: [], EVENT: [], DELIVERY: []}
    for name, value in raw:
        key = name.lower().decode("latin-1")
        if key in values:
            values[key].append(value)
    for key, found in values.items():
        if len(found) > 1:
            raise Refused(400, f"{_title(key)} appears {len(found)} times; GitHub sends it once")
    signature = _one(values, SIGNATURE, _SIGNATURE, status=401)
    event = _one(values, EVENT, _EVENT, status=400)
    delivery_id = _one(values, DELIVERY, _DELIVERY, status=400)
    return DeliveryHeaders(signature=signature, event=event, delivery_id=delivery_id)


def _one(values: dict[str, list[bytes]], key: str, shape: re.Pattern[str], status: int) -> str:
    if not values[key]:
        raise Refused(status, f"missing {_title(key)} header")
    raw = values[key][0]
    if not raw.isascii():
        raise Refused(status, f"{_title(key)} is not ASCII")
    text = raw.decode("ascii").strip()
    if not shape.fullmatch(text):
        raise Refused(status, f"{_title(key)} is not of the form GitHub sends ({shape.pattern})")
    return text


def _title(key: str) -> str:
    return {SIGNATURE: "X-Hub-Signature-256", EVENT: "X-GitHub-Event", DELIVERY: "X-GitHub-Delivery"}[key]
