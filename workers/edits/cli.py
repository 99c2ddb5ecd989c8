"""`codellama-bot apply PATH --answer FILE [--json] [--allow-test-edits]`: apply a saved model answer to a
checkout with exactly the code the repair loop uses, and say what happened to each edit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workers.checkout.path_globs import BadGlob, check_globs
from workers.edits.apply import apply_answer
from workers.edits.limits import MAX_ANSWER_CHARS
from workers.edits.records import ApplyReport, EditPolicy


def _glob(text: str) -> str:
    """A --protect value: refused up front (argparse's one line, exit 2) when git would refuse it."""
    try:
        check_globs((text,))
    except BadGlob as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the repository checkout to edit")
    parser.add_argument(
        "--answer", type=Path, required=True, help="a file holding the model's answer ('-' for stdin)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per edit, as a list")
    parser.add_argument(
        "--allow-test-edits",
        action="store_true",
        help="allow edits that delete or skip tests or remove assertions",
    )
    parser.add_argument(
        "--protect",
        action="append",
        type=_glob,
        default=[],
        metavar="GLOB",
        help="refuse edits to files matching GLOB (as .github/codellama.yml's protected:)",
    )


def _render(report: ApplyReport) -> str:
    lines = []
    for n, o in enumerate(report.outcomes, 1):
        where = o.path or "(no file)"
        if o.status == "applied":
            lines.append(f"edit {n}: {where}: applied ({o.rung})")
        else:
            lines.append(f"edit {n}: {where}: refused: {o.reason}")
    if report.feedback:
        lines += ["", report.feedback]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when the answer was applied, 1 when it was refused, 2 when the inputs cannot be read."""
    root: Path = args.path
    if not root.is_dir():
        print(f"error: {root} is not a directory", file=sys.stderr)
        return 2
    try:
        # Read one character past the cap and no more, so a huge answer costs no more memory than a big one.
        if str(args.answer) == "-":
            answer = sys.stdin.read(MAX_ANSWER_CHARS + 1)
        else:
            with args.answer.open(encoding="utf-8") as f:
                answer = f.read(MAX_ANSWER_CHARS + 1)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read the answer file {args.answer}: {exc}", file=sys.stderr)
        return 2
    if len(answer) > MAX_ANSWER_CHARS:
        print(
            f"error: the answer {args.answer} is longer than {MAX_ANSWER_CHARS:,} characters; "
            "pass only the model's answer",
            file=sys.stderr,
        )
        return 2
    policy = EditPolicy(protected_globs=tuple(args.protect), allow_test_edits=args.allow_test_edits)
    report = apply_answer(root, answer, policy)
    if args.json:
        print(json.dumps([o.as_dict() for o in report.outcomes], indent=2))
    else:
        print(_render(report))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="codellama-bot apply", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
