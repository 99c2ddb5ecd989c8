"""Model-like answers built from real bug/fix pairs, for bench/edits_bench.py.

Pairs come from ../shared/corpora: QuixBugs (python_programs vs correct_python_programs) and HumanEvalFix in
six languages (prompt + buggy_solution vs prompt + canonical_solution). Each pair's fix is written as an
answer in every edit format, then distorted the way real models distort answers.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
EXTENSIONS = {"python": "py", "js": "js", "go": "go", "java": "java", "cpp": "cpp", "rust": "rs"}
COMMENT = {"py": "#", "js": "//", "go": "//", "java": "//", "cpp": "//", "rs": "//"}
FORMATS = ("search_replace", "unified_diff", "whole_file")
RECOVERABLE = (
    "clean",
    "indent_shift",
    "trailing_ws",
    "blank_lines",
    "blank_one_side",
    "stale_line_numbers",
    "elided",
    "truncated_context",
    "path_prefix",
    "prose_fences",
    "crlf",
    "mistyped_context",
)
UNRECOVERABLE = ("ambiguous", "nonexistent", "snippet")
# Which distortions a format can suffer at all (a whole file has no line numbers or context to truncate).
APPLIES = {
    "search_replace": set(RECOVERABLE) - {"stale_line_numbers"} | {"ambiguous", "nonexistent"},
    "unified_diff": set(RECOVERABLE) - {"blank_one_side"} | {"ambiguous", "nonexistent"},
    "whole_file": {
        "clean",
        "trailing_ws",
        "blank_lines",
        "elided",
        "path_prefix",
        "prose_fences",
        "crlf",
        "snippet",
    },
}


@dataclass(frozen=True)
class Pair:
    name: str
    path: str
    buggy: str
    fixed: str


@dataclass(frozen=True)
class Case:
    pair: Pair
    fmt: str
    distortion: str
    answer: str
    repo_text: str  # the file as it is in the repository before the edit
    expected: str | None  # the file after a correct application; None = must be refused
    recoverable: bool


def _strip_trailing_docstring(text: str) -> str:
    # QuixBugs' buggy programs carry a trailing docstring the fixed ones lack; it is not part of the fix.
    return re.sub(r'\n+"""[\s\S]*"""\s*$', "\n", text).lstrip("\n")


def _normalise(text: str) -> str:
    # Trailing blank lines and trailing spaces differ between some buggy and fixed files; they are
    # packaging, not the fix.
    return "\n".join(line.rstrip() for line in text.rstrip("\n").split("\n")) + "\n"


def load_pairs() -> list[Pair]:
    pairs = []
    quix = CORPORA / "quixbugs"
    for buggy in sorted((quix / "python_programs").glob("*.py")):
        fixed = quix / "correct_python_programs" / buggy.name
        if buggy.name.endswith("_test.py") or not fixed.exists():
            continue
        b = _normalise(_strip_trailing_docstring(buggy.read_text()))
        f = _normalise(_strip_trailing_docstring(fixed.read_text()))
        if b != f:
            pairs.append(Pair(f"quixbugs/{buggy.stem}", f"python_programs/{buggy.name}", b, f))
    for lang, ext in EXTENSIONS.items():
        for line in (
            (CORPORA / "humanevalfix" / "data" / lang / "humanevalpack.jsonl").read_text().splitlines()
        ):
            row = json.loads(line)
            head = ("package main\n\n" + row.get("import", "")) if lang == "go" else ""
            name = row["task_id"].replace("/", "_")
            b = _normalise(head + row["prompt"] + row["buggy_solution"])
            f = _normalise(head + row["prompt"] + row["canonical_solution"])
            if b != f:
                pairs.append(Pair(f"humanevalfix/{name}", f"src/{lang}/{name}.{ext}", b, f))
    return pairs


# A hunk is a list of (tag, line): " " unchanged, "-" only in the buggy file, "+" only in the fixed one;
# `start` is its first line in the buggy file (0-based).
Hunk = tuple[int, list[tuple[str, str]]]


def hunks(old: list[str], new: list[str], context: int) -> list[Hunk]:
    out: list[Hunk] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        body: list[tuple[str, str]] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                body += [(" ", x) for x in old[i1:i2]]
            else:
                body += [("-", x) for x in old[i1:i2]] + [("+", x) for x in new[j1:j2]]
        out.append((group[0][1], body))
    return out


def sides(body: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [x for t, x in body if t != "+"], [x for t, x in body if t != "-"]


def render(
    fmt: str,
    path: str,
    hunk_list: list[Hunk],
    fixed: list[str],
    *,
    fence: bool = True,
    line_offset: int = 0,
    whole_lines: list[str] | None = None,
    diff_prefix: bool = True,
) -> str:
    if fmt == "whole_file":
        body = "\n".join(whole_lines if whole_lines is not None else fixed)
        return f"{path}\n```\n{body}\n```\n"
    if fmt == "search_replace":
        blocks = []
        for _, body_lines in hunk_list:
            search, replace = sides(body_lines)
            block = "\n".join(["<<<<<<< SEARCH", *search, "=======", *replace, ">>>>>>> REPLACE"])
            blocks.append(f"{path}\n```\n{block}\n```" if fence else f"{path}\n{block}")
        return "\n\n".join(blocks) + "\n"
    lines = [f"--- a/{path}", f"+++ b/{path}"] if diff_prefix else [f"--- {path}", f"+++ {path}"]
    for start, body_lines in hunk_list:
        search, replace = sides(body_lines)
        lines.append(
            f"@@ -{start + 1 + line_offset},{len(search)} +{start + 1 + line_offset},{len(replace)} @@"
        )
        lines += [t + x for t, x in body_lines]
    text = "\n".join(lines)
    return f"```diff\n{text}\n```\n" if fence else text + "\n"


def unique_once(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and sum(1 for i in range(len(haystack) - n + 1) if haystack[i : i + n] == needle) == 1


def lines_of(text: str) -> list[str]:
    """Lines without endings; a final newline ends the last line rather than starting an empty one."""
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def _key(lines: list[str]) -> list[str]:
    return [x.strip() for x in lines if x.strip()]


def placeable(old: list[str], hunk_list: list[Hunk]) -> bool:
    """True when every hunk's quoted lines occur once even ignoring layout: then a tolerant applier must
    place it, and nothing can excuse placing it anywhere else."""
    return all(unique_once(_key(old), _key(sides(body)[0])) for _, body in hunk_list)


def _shift(hunk_list: list[Hunk]) -> list[Hunk]:
    lines = [x for _, body in hunk_list for _, x in body if x.strip()]
    indent = min(len(x) - len(x.lstrip()) for x in lines)
    if indent:  # models often quote a method as if it were at the left margin
        return [(s, [(t, x[indent:] if x.strip() else x) for t, x in body]) for s, body in hunk_list]
    return [(s, [(t, "    " + x if x.strip() else x) for t, x in body]) for s, body in hunk_list]


def _blank(hunk_list: list[Hunk]) -> list[Hunk]:
    out = []
    for s, body in hunk_list:
        if any(t == " " and not x.strip() for t, x in body):
            out.append((s, [(t, x) for t, x in body if t != " " or x.strip()]))
        else:
            out.append((s, [*body[:1], (" ", ""), *body[1:]]))
    return out


def _blank_one_side(hunk_list: list[Hunk]) -> list[Hunk] | None:
    """A blank context line left out of SEARCH but kept in REPLACE (the fix must not gain a blank line)."""
    out, changed = [], False
    for s, body in hunk_list:
        # An interior blank: at either end it would be a blank line added beside an exact quote, which
        # is what the answer literally asks for.
        side = [k for k, (t, x) in enumerate(body) if t != "+" and x.strip()]
        at = next(
            (
                k
                for k, (t, x) in enumerate(body)
                if t == " " and not x.strip() and side and side[0] < k < side[-1]
            ),
            None,
        )
        if at is not None:
            body, changed = [*body[:at], ("+", body[at][1]), *body[at + 1 :]], True
        out.append((s, body))
    return out if changed else None


def _elide(old: list[str], hunk_list: list[Hunk]) -> list[Hunk] | None:
    start, body = hunk_list[0]
    lead = next(i for i, (t, _) in enumerate(body) if t != " ")
    if lead < 5:
        return None
    for keep in (1, 2, 3):
        head = [x for _, x in body[:keep]]
        if unique_once(_key(old), _key(head)) and _key(head):
            new_body = [*body[:keep], (" ", "..."), *body[lead - 2 :]]
            return [(start, new_body), *hunk_list[1:]]
    return None


def _elide_whole(old: list[str], new: list[str], comment: str) -> list[str] | None:
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        # The lines either side of the elision are unchanged and not blank, as a careful model writes it.
        if tag == "equal" and j2 - j1 >= 5 and new[j1].strip() and new[j2 - 1].strip():
            indent = new[j1 + 1][: len(new[j1 + 1]) - len(new[j1 + 1].lstrip())]
            return [*new[: j1 + 1], f"{indent}{comment} ... existing code unchanged ...", *new[j2 - 1 :]]
    return None


def _blank_whole(old: list[str], new: list[str]) -> list[str] | None:
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            continue
        for j in range(j1 + 1, j2 - 1):
            if not new[j].strip():
                return new[:j] + new[j + 1 :]
        if j2 - j1 >= 3:
            return [*new[: j1 + 1], "", *new[j1 + 1 :]]
    return None


def _mistype(hunk_list: list[Hunk]) -> list[Hunk] | None:
    """One unchanged line per hunk quoted with a typo (a character dropped), as models misremember."""
    out = []
    for start, body in hunk_list:
        at = next((i for i, (t, x) in enumerate(body) if t == " " and len(x.strip()) >= 8), None)
        if at is None:
            return None
        line = body[at][1]
        cut = len(line) - len(line.lstrip()) + len(line.strip()) // 2
        out.append((start, [*body[:at], (" ", line[:cut] + line[cut + 1 :]), *body[at + 1 :]]))
    return out


def _path_variant(path: str, n: int) -> str:
    name = path.rsplit("/", 1)[-1]
    return [f"./{path}", f"/home/dev/checkout/{path}", name, f"a/{path}"][n % 4]


def _prose(fmt: str, path: str, hunk_list: list[Hunk], new: list[str], n: int) -> str:
    intro = "The bug is an off-by-one in the loop bound; here is the fix.\n\n"
    outro = "\n\nThis makes the failing tests pass without changing the others."
    if fmt == "whole_file":
        lang = path.rsplit(".", 1)[-1]
        if lang == "py" and n % 4 == 3:
            # Code Llama - Instruct's own habit: code between [PYTHON] tags.
            return intro + f"{path}\n[PYTHON]\n" + "\n".join(new) + "\n[/PYTHON]" + outro
        head = [f"**{path}**\n```{lang}", f"```{lang}:{path}", f"File: `{path}`\n```{lang}"][n % 3]
        return intro + head + "\n" + "\n".join(new) + "\n```" + outro
    body = render(fmt, path, hunk_list, new, fence=False)
    if fmt == "search_replace":
        body = body.replace(f"{path}\n", f"In `{path}`:\n")
    return intro + body + outro


def distorted(
    pair: Pair, fmt: str, distortion: str, old: list[str], new: list[str], base: list[Hunk], donor: Pair
) -> tuple[str, str, str | None, bool] | None:
    """(answer, file text in the repository, expected file text or None for "must refuse", recoverable)."""
    path, n = pair.path, len(pair.name)
    hunk_list, line_offset, whole_lines = base, 0, None
    answer: str | None = None
    if distortion == "indent_shift":
        hunk_list = _shift(base)
    elif distortion == "trailing_ws":
        if any(t == "+" and x != x.rstrip() for _, body in base for t, x in body):
            return None  # the fix's own trailing spaces cannot be told apart from the model's
        hunk_list = [(s, [(t, x + "  ") for t, x in body]) for s, body in base]
        whole_lines = [x + " " for x in new]
    elif distortion == "blank_lines":
        hunk_list = _blank(base)
        whole_lines = _blank_whole(old, new)
        if fmt == "whole_file" and whole_lines is None:
            return None
    elif distortion == "blank_one_side":
        one_side = _blank_one_side(base)
        if one_side is None:
            return None
        hunk_list = one_side
    elif distortion == "stale_line_numbers":
        line_offset = 13 if n % 2 else -min(5, base[0][0])
    elif distortion == "elided":
        if fmt == "whole_file":
            whole_lines = _elide_whole(old, new, COMMENT[path.rsplit(".", 1)[-1]])
            if whole_lines is None:
                return None
        else:
            elided = _elide(old, hunks(old, new, 6))
            if elided is None:
                return None
            hunk_list = elided
    elif distortion == "mistyped_context":
        mistyped = _mistype(base)
        if mistyped is None:
            return None
        # Only the fuzzy rung can place these, and it needs three quoted lines and a clear winner: cases
        # it cannot place count as "unplaceable" (refusing them is right; applying them must be right).
        enough = all(sum(1 for t, x in body if t != "+" and x.strip()) >= 3 for _, body in base)
        answer = render(fmt, path, mistyped, new)
        return answer, pair.buggy, pair.fixed, enough and placeable(old, base)
    elif distortion == "truncated_context":
        hunk_list = hunks(old, new, 1)
    elif distortion == "path_prefix":
        answer = render(fmt, _path_variant(path, n), base, new, diff_prefix=False)
    elif distortion == "prose_fences":
        answer = _prose(fmt, path, base, new, n)
    elif distortion == "ambiguous":
        # The same code twice in one file (a copied function): the quote matches both places.
        repo = pair.buggy if pair.buggy.endswith("\n") else pair.buggy + "\n"
        repo += repo
        return render(fmt, path, base, new), repo, None, False
    elif distortion == "snippet":
        # Only the changed lines, in a fence under the file's name: "the line should read ...".
        changed = [x for _, body in base for t, x in body if t == "+"]
        if not changed:
            return None
        answer = f"In `{path}` the fix is:\n```\n" + "\n".join(changed) + "\n```\n"
        return answer, pair.buggy, None, False
    elif distortion == "nonexistent":
        d_old, d_new = lines_of(donor.buggy), lines_of(donor.fixed)
        if unique_once(_key(old), _key(sides(hunks(d_old, d_new, 3)[0][1])[0])):
            return None
        return render(fmt, path, hunks(d_old, d_new, 3), d_new), pair.buggy, None, False
    if answer is None:
        answer = render(fmt, path, hunk_list, new, line_offset=line_offset, whole_lines=whole_lines)
    if distortion == "crlf":
        answer = answer.replace("\n", "\r\n")
    recoverable = fmt == "whole_file" or placeable(
        old, base if distortion != "truncated_context" else hunk_list
    )
    return answer, pair.buggy, pair.fixed, recoverable


def cases(pairs: list[Pair], universe: list[Pair] | None = None) -> Iterator[Case]:
    """Every case for `pairs`; a pair's "nonexistent" context comes from the pair 7 places on in
    `universe` (all pairs), so the cases do not depend on how the pairs are split among processes."""
    everyone = universe or pairs
    position = {p.name: k for k, p in enumerate(everyone)}
    for pair in pairs:
        old, new = lines_of(pair.buggy), lines_of(pair.fixed)
        base = hunks(old, new, 3)
        donor = everyone[(position[pair.name] + 7) % len(everyone)]
        for fmt in FORMATS:
            for distortion in [d for d in RECOVERABLE + UNRECOVERABLE if d in APPLIES[fmt]]:
                made = distorted(pair, fmt, distortion, old, new, base, donor)
                if made is not None:
                    yield Case(pair, fmt, distortion, *made)
