"""How long the scrubber takes on test output of the size the bot keeps (TEST_OUTPUT_LIMIT_BYTES, 2 MB).

The secrets are what a worker has: a 2048-bit RSA key (the whole PEM and each of its lines), a webhook
secret, and installation tokens learned at run time (one per job this hour, up to 256). The text is real
CI output from ../shared/corpora/ci-logs, repeated up to the size, with and without secrets in it.

    python bench/scrub_bench.py [--mb 2] [--tokens 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.scrub import MASK, Scrubber, learn_token

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def _pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encoding, fmt = serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(encoding, fmt, serialization.NoEncryption()).decode()


def _output(size: int) -> str:
    logs = sorted(p for p in (CORPORA / "ci-logs").rglob("*") if p.is_file())
    text = "".join(p.read_text(errors="replace") for p in logs[:200])
    if not text:
        raise SystemExit(f"no CI logs under {CORPORA / 'ci-logs'}; this benchmark needs ../shared/corpora")
    return (text * (size // len(text) + 1))[:size]


def _time(scrub: Scrubber, text: str, repeat: int) -> tuple[float, str]:
    scrub(text[:1000])  # compile the pattern outside the timing
    times, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        out = scrub(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--tokens", type=int, default=50, help="installation tokens learned this hour")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pem, webhook = _pem(), secrets.token_hex(20)
    tokens = ["ghs_" + secrets.token_urlsafe(27)[:36] for _ in range(args.tokens)]
    for token in tokens:
        learn_token(token)
    scrub = Scrubber([pem, webhook])
    size = int(args.mb * 1024 * 1024)
    clean = _output(size)
    lines = [ln for ln in pem.splitlines() if len(ln) >= 16]
    # A secret every ~4 KB: far more than any real leak, to price the replacements too.
    leaky_parts, step = [], 4096
    for i, start in enumerate(range(0, size, step)):
        leak = (lines[i % len(lines)], webhook, tokens[i % len(tokens)] if tokens else webhook)[i % 3]
        leaky_parts.append(clean[start : start + step] + leak)
    leaky = "".join(leaky_parts)
    print(f"secrets: whole key + {len(lines)} key lines + webhook secret + {len(tokens)} tokens")
    for name, text in (("clean output", clean), ("a secret every 4 KB", leaky)):
        seconds, out = _time(scrub, text, args.repeat)
        masks = out.count(MASK)
        rate = len(text) / seconds / 1e6
        took = f"{seconds * 1000:.0f} ms ({rate:.0f} MB/s)"
        print(f"{name:>20}: {len(text) / 1e6:.1f} MB in {took}, {masks} masks")
        assert webhook not in out and not any(t in out for t in tokens) and not any(ln in out for ln in lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
