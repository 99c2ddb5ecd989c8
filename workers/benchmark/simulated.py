"""A simulated Code Llama for the benchmark: each sample is right with probability q, drawn from the
request's seed (a greedy request from how many greedy requests the task made before, so each round's
greedy answer is a fresh draw), and written with the formatting noise real models show: prose around the
edit, missing or extra fences, an indentation shift, stale line numbers in a diff. Pure logic; serve it
through the TGI stand-in.

Not from the prompt's text: the prompt quotes the repository's test output, which differs run to run
(pytest lists a dict's differing items in set order, which hash randomization shuffles), and a draw that
followed it made the same benchmark command repair different tasks each time."""

from __future__ import annotations

import difflib
import random
import re
import threading
from collections import Counter
from typing import Any

from workers.benchmark.corpus import BenchTask

PROSE_BEFORE = (
    "",
    "The bug is in the condition below.\n\n",
    "Looking at the failing test, the function returns the wrong value. Here is the fix:\n\n",
)
PROSE_AFTER = ("", "\n\nThis makes the failing test pass.", "\n\nLet me know if anything else fails!")


class SimulatedModel:
    """Responder for TGIStandIn: `(prompt, parameters) -> answer`."""

    def __init__(self, tasks: list[BenchTask], q: float, salt: int = 0) -> None:
        self.tasks = {task.name: task for task in tasks}
        self.q = q
        self.salt = salt
        self.right_draws: Counter[str] = Counter()
        self.draws: Counter[str] = Counter()
        self.greedy: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, prompt: str, parameters: dict[str, Any]) -> str:
        found = re.search(r"Repository: bench/(\S+)", prompt)
        if found is None or found.group(1) not in self.tasks:
            return "I cannot tell which repository this is."
        task = self.tasks[found.group(1)]
        seed = parameters.get("seed") if parameters.get("do_sample") else None
        with self._lock:
            # A task's rounds run one after another and each asks for one greedy answer: the count of
            # greedy requests so far is the round.
            if seed is None:
                self.greedy[task.name] += 1
            source = f"greedy:{self.greedy[task.name]}" if seed is None else f"seed:{seed}"
            rng = random.Random(f"{self.salt}|{task.name}|{source}")
            right = rng.random() < self.q
            self.draws[task.name] += 1
            self.right_draws[task.name] += right
        return right_answer(task, rng) if right else wrong_answer(task, rng)


def _hunks(before: list[str], after: list[str]) -> list[tuple[int, int, int, int]]:
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _unique_span(lines: list[str], i1: int, i2: int) -> tuple[int, int]:
    """Grow [i1, i2) by context until its text occurs once in the file (and is not empty)."""
    lo, hi = i1, i2
    while True:
        block = lines[lo:hi]
        text = "\n".join(block)
        if block and "\n".join(lines).count(text) == 1 and any(line.strip() for line in block):
            return lo, hi
        if lo == 0 and hi == len(lines):
            return lo, hi
        lo, hi = max(lo - 1, 0), min(hi + 1, len(lines))


def _search_replace(path: str, before: str, after: str, rng: random.Random) -> str:
    old, new = before.splitlines(), after.splitlines()
    hunks = _hunks(old, new)
    if not hunks:
        return ""
    # One block over all changes: separate blocks whose context overlapped would contradict each other.
    i1, i2, j1, j2 = hunks[0][0], hunks[-1][1], hunks[0][2], hunks[-1][3]
    lo, hi = _unique_span(old, i1, i2)
    search = old[lo:hi]
    replace = old[lo:i1] + new[j1:j2] + old[i2:hi]
    if rng.random() < 0.3:
        # Indentation shift: the model drops the block's common indentation.
        cut = min((len(s) - len(s.lstrip()) for s in search + replace if s.strip()), default=0)
        search, replace = [s[cut:] for s in search], [s[cut:] for s in replace]
    body = "\n".join(["<<<<<<< SEARCH", *search, "=======", *replace, ">>>>>>> REPLACE"])
    return f"{path}\n```{_lang(path)}\n{body}\n```" if rng.random() < 0.8 else f"{path}\n{body}"


_FENCE_LANGS = {".js": "javascript", ".go": "go", ".rs": "rust", ".java": "java", ".cpp": "cpp"}


def _lang(path: str) -> str:
    return next((lang for suffix, lang in _FENCE_LANGS.items() if path.endswith(suffix)), "python")


def _unified_diff(path: str, before: str, after: str, rng: random.Random) -> str:
    lines = list(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), f"a/{path}", f"b/{path}", lineterm="", n=3
        )
    )
    shift = rng.choice((-7, -3, 4, 9))
    # Stale line numbers: the model miscounts where the hunk starts.
    stale = [
        re.sub(r"@@ -(\d+)", lambda m: f"@@ -{max(int(m.group(1)) + shift, 1)}", line)
        if line.startswith("@@")
        else line
        for line in lines
    ]
    return "```diff\n" + "\n".join(stale) + "\n```"


def _whole_file(path: str, after: str) -> str:
    return f"{path}\n```{_lang(path)}\n{after.rstrip()}\n```"


def right_answer(task: BenchTask, rng: random.Random) -> str:
    parts = []
    for path, after in task.fixed.items():
        before = task.files[path]
        form = rng.random()
        if form < 0.55:
            parts.append(_search_replace(path, before, after, rng))
        elif form < 0.85:
            parts.append(_unified_diff(path, before, after, rng))
        else:
            parts.append(_whole_file(path, after))
    return rng.choice(PROSE_BEFORE) + "\n\n".join(parts) + rng.choice(PROSE_AFTER)


def wrong_answer(task: BenchTask, rng: random.Random) -> str:
    """A wrong answer of the kinds models give: an edit that keeps the bug, one that quotes lines the
    file does not have, or prose without an edit."""
    path, after = next(iter(task.fixed.items()))
    before = task.files[path].splitlines()
    kind = rng.random()
    if kind < 0.15:
        return "The function looks correct to me; the test expectations may be wrong."
    hunks = _hunks(before, after.splitlines()) or [(0, 1, 0, 1)]
    i1 = min(hunks[0][0], len(before) - 1)
    if kind < 0.4:
        invented = [f"    result = compute_{rng.randrange(1000)}(value)"]
        body = "\n".join(["<<<<<<< SEARCH", *invented, "=======", "    return value", ">>>>>>> REPLACE"])
        return f"Here is the fix:\n\n{path}\n```{_lang(path)}\n{body}\n```"
    # Keeps the bug: a comment above the buggy line, different for each sample.
    lo, hi = _unique_span(before, i1, i1 + 1)
    target = before[i1]
    indent = target[: len(target) - len(target.lstrip())]
    comment_marker = "#" if path.endswith(".py") else "//"
    replace = [*before[lo:i1], f"{indent}{comment_marker} checked {rng.randrange(10**6)}", *before[i1:hi]]
    body = "\n".join(["<<<<<<< SEARCH", *before[lo:hi], "=======", *replace, ">>>>>>> REPLACE"])
    return f"The problem is on this line.\n\n{path}\n```{_lang(path)}\n{body}\n```"
