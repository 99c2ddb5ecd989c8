"""Issue-text localization on SWE-bench Lite, beside a whole-file BM25 baseline, without any model call.

    python bench/swebench_localize.py [--limit N] [--repo django/django] [--budget 13000]

For each task: sources = the newest PyPI release matching the task's `version` (an approximation of the
base commit, see bench/sources.py); query = the problem statement alone. Prints file-level recall@1/@3/@5
(at least one file the gold patch edits within the top k), the share with every gold file in the top 5,
the share whose gold files all have code inside the context built within the token budget (counted
with the conservative estimate, as when no TGI server is reachable), and the share whose gold functions (the
innermost def enclosing each line the gold patch changes) are all shown whole in that context.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import bm25s

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.gold_functions import gold_functions
from bench.sources import fetch_release, same_file
from inference.token_estimate import estimate_tokens
from workers.retrieval import build_context, locate
from workers.retrieval.index import RepoIndex

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "swebench-lite" / "lite_test.jsonl"
PYPI_NAMES = {
    "astropy/astropy": "astropy", "django/django": "Django", "matplotlib/matplotlib": "matplotlib",
    "mwaskom/seaborn": "seaborn", "pallets/flask": "Flask", "psf/requests": "requests",
    "pydata/xarray": "xarray", "pylint-dev/pylint": "pylint", "pytest-dev/pytest": "pytest",
    "scikit-learn/scikit-learn": "scikit-learn", "sphinx-doc/sphinx": "Sphinx", "sympy/sympy": "sympy",
}  # fmt: skip


def gold_files(patch: str) -> list[str]:
    return sorted(set(re.findall(r"^diff --git a/(\S+)", patch, re.M)))


class WholeFileBM25:
    """The baseline: BM25 over whole .py files with bm25s's stock English tokenizer, query = issue text."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if p.is_file())
        texts = [(root / p).read_text(errors="replace") for p in self.paths]
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def rank(self, query: str, k: int = 50) -> list[str]:
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = self.bm25.retrieve(tokens, k=min(k, len(self.paths)), show_progress=False)
        return [self.paths[int(i)] for i, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def context_files(self, ranked: list[str], budget: int) -> list[str]:
        """Whole files in rank order while they fit, as SWE-bench's BM25 13k setting builds its prompt."""
        used, files = 0, []
        for path in ranked:
            cost = estimate_tokens((self.root / path).read_text(errors="replace"))
            if used + cost > budget:
                continue
            used += cost
            files.append(path)
        return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--repo", default="", help="only these repositories (comma-separated owner/name)")
    parser.add_argument("--budget", type=int, default=13000)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--per-task", type=Path, help="write each task's gold files and top 10 files here (JSON lines)"
    )
    args = parser.parse_args()
    tasks = [json.loads(line) for line in args.tasks.read_text().splitlines() if line.strip()]
    tasks = [t for t in tasks if not args.repo or t["repo"] in args.repo.split(",")][: args.limit or None]
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for task in tasks:
        groups[(task["repo"], task["version"])].append(task)
    ours: dict[str, int] = defaultdict(int)
    base: dict[str, int] = defaultdict(int)
    sources_used: dict[str, str] = {}
    missing_source = missing_gold = missing_hunks = no_function = 0
    seconds = 0.0
    per_task = args.per_task.open("w") if args.per_task else None
    for (repo, version), group in sorted(groups.items()):
        fetched = fetch_release(PYPI_NAMES[repo], f"=={version}.*")
        if fetched is None:
            missing_source += len(group)
            continue
        root, archive = fetched
        sources_used[f"{repo} {version}"] = archive
        index = RepoIndex.build(root)
        baseline = WholeFileBM25(root)
        for task in group:
            gold = gold_files(task["patch"])
            present = [g for g in gold if any(same_file(p, g) for p in index.files)]
            if len(present) < len(gold):
                missing_gold += 1
            release_path = {g: next((p for p in index.files if same_file(p, g)), g) for g in present}
            functions, unfound = gold_functions(
                task["patch"], {g: (root / p).read_text(errors="replace") for g, p in release_path.items()}
            )
            functions = {
                release_path.get(f.split("::")[0], f.split("::")[0]) + "::" + f.split("::", 1)[1]
                for f in functions
            }
            missing_hunks += unfound > 0
            no_function += not functions
            start = time.perf_counter()
            ranked = locate(root, issue_text=task["problem_statement"], top=20, index=index)
            context = build_context(root, ranked, budget_tokens=args.budget, count_tokens=estimate_tokens)
            seconds += time.perf_counter() - start
            files = [r.path for r in ranked if r.symbol is None]
            _score(ours, files, context.files, gold)
            # A patch only outside functions (imports, class attributes) has no gold function to show.
            ours["fn_ctx"] += bool(functions) and functions <= set(context.symbols)
            base_ranked = baseline.rank(task["problem_statement"])
            _score(base, base_ranked, baseline.context_files(base_ranked, args.budget), gold)
            if per_task is not None:
                row = {"id": task["instance_id"], "gold": gold, "top": files[:10], "context": context.files}
                per_task.write(json.dumps(row) + "\n")
            if args.show_misses and not any(same_file(f, g) for f in files[:1] for g in gold):
                print(f"miss {task['instance_id']}: gold {gold} top {files[:3]}", file=sys.stderr)
    total = len(tasks)
    print(f"SWE-bench Lite issue-text localization, {total} tasks")
    print("sources: newest PyPI release matching each task's version; this approximates the base commit")
    print(f"tasks without a downloadable release: {missing_source}")
    print(f"tasks with a gold file absent from the release: {missing_gold}")
    print(f"tasks with a gold hunk not found verbatim in the release: {missing_hunks}")
    print(f"tasks whose gold patch changes no function (counted as misses below): {no_function}")
    print(f"{'':34}{'ours':>8}{'BM25 whole files':>18}")
    for key, label in (
        ("r1", "recall@1"), ("r3", "recall@3"), ("r5", "recall@5"), ("all5", "all gold files in top 5"),
        ("ctx", f"all gold in {args.budget // 1000}k-token context"),
    ):  # fmt: skip
        print(f"{label:34}{ours[key] / total:>8.1%}{base[key] / total:>18.1%}")
    print(f"{'all gold functions whole in context':34}{ours['fn_ctx'] / total:>8.1%}{'—':>18}")
    print(
        f"locate + build_context per task (index reused per release): {seconds / max(total, 1) * 1000:.0f} ms"
    )
    for name, archive in sorted(sources_used.items()):
        print(f"  {name}: {archive}")
    return 0


def _score(tally: dict[str, int], files: list[str], context_files: list[str], gold: list[str]) -> None:
    def found(candidates: list[str], g: str) -> bool:
        return any(same_file(c, g) for c in candidates)

    for k in (1, 3, 5):
        tally[f"r{k}"] += any(found(files[:k], g) for g in gold)
    tally["all5"] += all(found(files[:5], g) for g in gold)
    tally["ctx"] += all(found(context_files, g) for g in gold)


if __name__ == "__main__":
    raise SystemExit(main())
