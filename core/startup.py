"""Checks `serve` and `worker` make before they start: a usable private key and a Redis that answers.

Each failure is a ConfigurationError whose one line names the setting to fix, so a bad key is found at
start-up instead of as a 500 on the first delivery, and an unreachable Redis ends start-up instead of
leaving a receiver that says it is healthy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import redis
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from core.errors import ConfigurationError
from core.settings import Settings

log = logging.getLogger(__name__)

# One ping may take this long; the whole wait is bounded by REDIS_WAIT_S.
PING_TIMEOUT_S = 2.0
POLL_INTERVAL_S = 0.5


def key_setting(settings: Settings) -> str:
    """The name of the setting the private key came from, for messages."""
    if settings.github_private_key is not None:
        return "GITHUB_PRIVATE_KEY"
    return f"GITHUB_PRIVATE_KEY_PATH={settings.github_private_key_path}"


def check_private_key(settings: Settings) -> None:
    """Parse the App's private key now; GitHub Apps sign their JWTs with an RSA key in PEM form."""
    settings.require("github_private_key")
    pem = settings.private_key_pem()
    where = key_setting(settings)
    if "-----BEGIN" not in pem:
        raise ConfigurationError(
            f"{where} holds no PEM private key (no -----BEGIN line); use the .pem file GitHub generated "
            "for the App"
        )
    try:
        key = load_pem_private_key(pem.encode("utf-8", "surrogateescape"), password=None)
    except TypeError:
        raise ConfigurationError(
            f"{where} holds an encrypted private key; give the App's unencrypted .pem as GitHub generated it"
        ) from None
    except (ValueError, UnicodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "\\n" in pem and pem.count("\n") <= 1:
            reason = "it holds the two characters \\n where line breaks belong; use real newlines"
        raise ConfigurationError(f"{where} is not a readable PEM private key ({reason})") from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigurationError(
            f"{where} holds a {type(key).__name__.removeprefix('_')} key, not an RSA private key; "
            "GitHub Apps sign with RSA"
        )


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "(unparsable URL)"


def redis_problem(url: str, timeout_s: float = PING_TIMEOUT_S) -> str | None:
    """None when Redis at `url` answers PING, else why not, in a few words."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    except ValueError as exc:
        return f"REDIS_URL={redacted(url)} is not a Redis URL ({exc})"
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = str(exc).strip() or type(exc).__name__
        return f"Redis at REDIS_URL={redacted(url)} does not answer ({reason})"
    finally:
        client.close()
    return None


def wait_for_redis(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Wait up to REDIS_WAIT_S for Redis (it may be starting beside us), then give up naming REDIS_URL."""
    deadline = clock() + settings.redis_wait_s
    logged = False
    while True:
        problem = redis_problem(settings.redis_url, min(PING_TIMEOUT_S, max(settings.redis_wait_s, 0.1)))
        if problem is None:
            return
        if clock() >= deadline:
            raise ConfigurationError(
                f"{problem} after waiting {settings.redis_wait_s:g} s (REDIS_WAIT_S); start Redis or fix "
                "REDIS_URL"
            )
        if not logged:
            log.warning("%s; waiting up to %g s", problem, settings.redis_wait_s)
            logged = True
        sleep(POLL_INTERVAL_S)


def main(argv: list[str] | None = None) -> int:
    """`python -m core.startup redis-url`: print REDIS_URL as the settings (and .env) give it, for scripts."""
    import sys

    from pydantic import ValidationError

    from core.settings import load_settings

    args = sys.argv[1:] if argv is None else argv
    if args != ["redis-url"]:
        print("usage: python -m core.startup redis-url", file=sys.stderr)
        return 2
    try:
        print(load_settings().redis_url)
    except (ValidationError, ConfigurationError) as exc:
        print(f"codellama-bot: invalid settings: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
