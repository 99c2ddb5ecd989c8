"""TGI_URL as a list: one model server, or several replicas separated by commas."""

from __future__ import annotations

from urllib.parse import urlsplit


def parse_endpoint_urls(value: str) -> tuple[str, ...]:
    """The endpoints `value` names, each without a trailing slash, in the order given.

    Raises ValueError naming the first malformed entry: an empty entry (a stray comma), a scheme other
    than http/https, no host, a bad port, a query or fragment (TGI answers on its root), or a duplicate.
    """
    urls: list[str] = []
    for position, raw in enumerate(value.split(","), start=1):
        entry = raw.strip()
        if not entry:
            raise ValueError(f"entry {position} is empty (a stray comma?); separate URLs with single commas")
        if any(c.isspace() for c in entry):
            raise ValueError(f"entry {position} ({entry!r}) contains whitespace")
        try:
            parts = urlsplit(entry)
            port = parts.port  # raises on a port that is not a number in 0-65535
        except ValueError as exc:
            raise ValueError(f"entry {position} ({entry!r}) is not a URL: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"entry {position} ({entry!r}) must start with http:// or https://")
        if not parts.hostname:
            raise ValueError(f"entry {position} ({entry!r}) names no host")
        if port == 0:
            raise ValueError(f"entry {position} ({entry!r}) has port 0")
        if parts.query or parts.fragment:
            raise ValueError(
                f"entry {position} ({entry!r}) has a query or fragment; give the server's root URL"
            )
        url = entry.rstrip("/")
        if url in urls:
            raise ValueError(f"entry {position} ({entry!r}) repeats an earlier entry")
        urls.append(url)
    return tuple(urls)
