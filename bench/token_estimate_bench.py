"""How the fallback token estimate compares with Code Llama's real tokenizer on ../shared/corpora.

Code Llama uses Llama 2's SentencePiece vocabulary (plus 16 infilling tokens that plain text never
produces). Its reference counts come from llama-tokenizer-js, an npm package that bundles that
vocabulary and matches SentencePiece; it is installed on first run into ~/.cache. Needs node and npm.

    python -m bench.token_estimate_bench

Prints, per group of texts, how many the estimate under-counts and its ratio to the real count.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path

from inference.token_estimate import estimate_tokens

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
TOKENIZER = "llama-tokenizer-js@1.2.2"
CACHE = Path.home() / ".cache" / "codellama-bot-bench" / "llama-tokenizer"
COUNTER = """
import llamaTokenizer from 'llama-tokenizer-js';
import readline from 'node:readline';
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  console.log(llamaTokenizer.encode(JSON.parse(line), true, false, false).length);
}
"""


def corpus_texts() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    groups["quixbugs"] = [p.read_text() for p in sorted((CORPORA / "quixbugs/python_programs").glob("*.py"))]
    for language in ("python", "js", "go", "java", "cpp", "rust"):
        tasks = _jsonl(CORPORA / "humanevalfix/data" / language / "humanevalpack.jsonl")
        groups[f"humanevalfix-{language}"] = [
            t["prompt"] + t["buggy_solution"] + "\n" + t["test"] for t in tasks
        ]
    rows = _jsonl(CORPORA / "swebench-lite/lite_test.jsonl")
    groups["swebench-issues"] = [r["problem_statement"] for r in rows]
    groups["swebench-patches"] = [r["patch"] + r["test_patch"] for r in rows]
    patches = sorted((CORPORA / "bugsinpy").rglob("bug_patch.txt"))
    groups["bugsinpy-patches"] = [p.read_text(errors="replace") for p in patches]
    logs = sorted(p for p in (CORPORA / "ci-logs").rglob("*") if p.is_file())
    groups["ci-logs"] = [p.read_text(errors="replace")[:200_000] for p in logs]
    return {name: [t for t in texts if t] for name, texts in groups.items()}


def real_counts(texts: list[str]) -> list[int]:
    """Llama 2 token counts (BOS included, as TGI's /tokenize reports), from the bundled tokenizer."""
    if not (CACHE / "node_modules" / "llama-tokenizer-js").exists():
        if shutil.which("npm") is None:
            raise SystemExit("this benchmark needs node and npm (apt-get install nodejs npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text('{"name": "llama-token-counter", "private": true}')
        # A failed install means no registry access: the benchmark cannot run here.
        subprocess.run(["npm", "install", "--silent", TOKENIZER], cwd=CACHE, check=True, timeout=300)
    (CACHE / "count.mjs").write_text(COUNTER)
    stdin = "".join(json.dumps(t) + "\n" for t in texts)
    done = subprocess.run(
        ["node", "count.mjs"], cwd=CACHE, input=stdin, capture_output=True, text=True, check=True, timeout=600
    )
    return [int(n) for n in done.stdout.split()]


def bytes_over_2_5(text: str) -> int:
    """The plain rule of thumb, for comparison."""
    return 1 + math.ceil(len(text.encode("utf-8", "surrogatepass")) / 2.5)


def report(name: str, estimate: Callable[[str], int], groups: dict[str, list[str]], real: list[int]) -> None:
    print(f"\n{name}")
    print(f"{'group':22} {'texts':>6} {'under':>6} {'min est/real':>13} {'median':>7} {'max':>6}")
    index, every = 0, []
    for group, texts in groups.items():
        ratios = [estimate(t) / n for t, n in zip(texts, real[index : index + len(texts)], strict=True)]
        index += len(texts)
        every += ratios
        _row(group, ratios)
    _row("all", every)


def _row(group: str, ratios: list[float]) -> None:
    under = sum(r < 1 for r in ratios)
    median = statistics.median(ratios)
    print(f"{group:22} {len(ratios):6} {under:6} {min(ratios):13.2f} {median:7.2f} {max(ratios):6.2f}")


def _jsonl(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return [json.loads(line) for line in f]


def main() -> None:
    groups = corpus_texts()
    real = real_counts([t for texts in groups.values() for t in texts])
    report("inference.token_estimate.estimate_tokens", estimate_tokens, groups, real)
    report("rule of thumb: UTF-8 bytes / 2.5", bytes_over_2_5, groups, real)


if __name__ == "__main__":
    main()
