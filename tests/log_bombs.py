"""Compressed logs that unpack to far more than they weigh, built in bounded memory (streamed, 1 MiB of
zeros at a time), for the input-cap tests and bench/log_caps_bench.py."""

from __future__ import annotations

import io
import zipfile
import zlib

MIB = 1024 * 1024
ZEROS = bytes(MIB)


def gzip_bomb(unpacked_mib: int) -> bytes:
    """A gzip stream of `unpacked_mib` MiB of zeros (about 1/1000 of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 16 + 15: a gzip header and trailer
    parts = [packer.compress(ZEROS) for _ in range(unpacked_mib)]
    parts.append(packer.flush())
    return b"".join(parts)


def zip_bomb(unpacked_mib: int) -> bytes:
    """A zip of one step log of `unpacked_mib` MiB of zeros."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("2_Run tests.txt", "w", force_zip64=False) as member,
    ):
        for _ in range(unpacked_mib):
            member.write(ZEROS)
    return buffer.getvalue()


def zip_of_many(files: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(files):
            archive.writestr(f"{n}.txt", "x")
    return buffer.getvalue()
