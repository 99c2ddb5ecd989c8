"""bot/redis_conn.py's event-loop client against a real Redis: commands packed by hiredis carry every kind
of value redis-py sends, multi-word commands and scripts work, and an unsendable value is redis-py's
DataError, not a crash of another kind."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import DataError

from bot.redis_conn import connect_async

SCRIPT = "return {KEYS[1], ARGV[1], ARGV[2], ARGV[3]}"


def test_values_of_every_kind_round_trip(redis_url: str) -> None:
    async def run() -> None:
        client = connect_async(redis_url)
        try:
            await client.set("text", "naïve ☃")
            await client.set("bytes", b"\x00\xff")
            await client.set("int", 42, ex=60)
            await client.set("float", 1.5)
            assert await client.mget("text", "bytes", "int", "float") == [
                "naïve ☃".encode(),
                b"\x00\xff",
                b"42",
                b"1.5",
            ]
            assert 0 < await client.ttl("int") <= 60
            script = client.register_script(SCRIPT)  # SCRIPT LOAD, then EVALSHA: multi-word commands
            assert await script(keys=["k"], args=[b"raw", 7, "t"]) == [b"k", b"raw", b"7", b"t"]
            with pytest.raises(DataError):
                await client.set("none", None)  # type: ignore[arg-type]
            assert await client.ping()  # the connection is still usable
        finally:
            await client.aclose()

    asyncio.run(run())
