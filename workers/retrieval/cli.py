"""`codellama-bot locate PATH`: print the ranked files and symbols, with scores and reasons, or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.errors import UsageError
from core.settings import Settings
from workers.evidence import parse_log_file
from workers.local.arguments import existing_directory, positive_int, readable_file
from workers.retrieval.locate import locate
from workers.retrieval.rank import Ranked


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=existing_directory, help="a checkout of the repository")
    parser.add_argument(
        "--log", type=readable_file, help="test or CI output to take failures and stack frames from"
    )
    issue = parser.add_mutually_exclusive_group()
    issue.add_argument("--issue", help="what is wrong, in words (an issue's text)")
    issue.add_argument("--issue-file", type=readable_file, help="a file holding the issue's text")
    parser.add_argument(
        "--test",
        help="a test command to run once for coverage evidence, in the sandbox `fix` uses, on a copy",
    )
    parser.add_argument("--top", type=positive_int, default=10, help="how many files to list (default 10)")
    parser.add_argument("--json", action="store_true", help='print [{"path", "symbol", "score", "reasons"}]')


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 with the ranking printed; UsageError (exit 2) when an input cannot be read."""
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory; pass a checkout of the repository")
    try:
        issue_text = (
            Path(args.issue_file).read_text(errors="replace") if args.issue_file else args.issue or ""
        )
        # The file parser keeps memory bounded on CI logs of tens of megabytes.
        evidence = parse_log_file(Path(args.log), repo_root=root) if args.log else None
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename}: {exc.strerror}") from None
    if args.test:
        from workers.retrieval.sandboxed import sandboxed_copy

        # Repository code runs only where `fix` would run it: in the sandbox, never on the checkout itself.
        with sandboxed_copy(settings, root) as (copy, runner):
            ranked = locate(
                copy,
                evidence=evidence,
                issue_text=issue_text,
                runner=runner,
                test_cmd=args.test,
                top=args.top,
            )
    else:
        ranked = locate(root, evidence=evidence, issue_text=issue_text, top=args.top)
    if args.json:
        print(json.dumps([r.to_json() for r in ranked], indent=2))
    else:
        print(render(ranked))
    return 0


def render(ranked: list[Ranked]) -> str:
    """One line per file or symbol: score, where, and the reasons."""
    if not ranked:
        return "no candidates: give a log (--log), an issue (--issue) or a test command (--test)"
    lines = []
    for entry in ranked:
        if entry.symbol is None:
            lines.append(f"{entry.score:6.3f}  {entry.path}")
        else:
            span = f":{entry.start_line}-{entry.end_line}" if entry.start_line else ""
            lines.append(f"{entry.score:6.3f}    {entry.symbol}{span}")
        lines.extend(f"          - {reason}" for reason in entry.reasons)
    return "\n".join(lines)
