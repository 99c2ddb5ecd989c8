"""The /jobs pages as HTML text: the list of jobs, and one job with its trajectory. Pure logic.

Everything shown comes from strangers in the end (issue text, model answers, test output, even the
repository's name), so every value goes through `html.escape` and a link is only ever an http(s) URL. The
pages need no script; the one stylesheet is inline and allowed by its hash in the Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import time
from html import escape
from typing import Any
from urllib.parse import quote

from core.job_registry import JobRecord

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
td, th { border-bottom: 1px solid #ddd; padding: .3em .6em; text-align: left; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap; }
details { margin: .3em 0; } summary { cursor: pointer; font-weight: 600; }
.add { color: #116329; background: #dafbe1; } .del { color: #82071e; background: #ffebe9; }
.hunk { color: #0550ae; } .state-running { color: #9a6700; } .state-done { color: #116329; }
"""
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
# No script, no frame, no form, no fetch: only the inline stylesheet above, by its hash.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src '{CSS_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def _link(url: str, text: str | None = None) -> str:
    if not url.startswith(("https://", "http://")):
        return escape(url)
    return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(text or url)}</a>'


def _spend(row: JobRecord) -> str:
    return f"{row.tokens:,} tokens, {row.rounds} rounds"


def jobs_list(rows: list[JobRecord], now: float | None = None) -> str:
    now = time.time() if now is None else now
    lines = []
    for row in rows:
        where = row.repository + (f"#{row.number}" if row.number is not None else "")
        status = row.outcome if row.state == "done" else row.phase
        links = " ".join(_link(u) for u in row.links)
        lines.append(
            f'<tr class="job"><td><a href="/jobs/{quote(row.id, safe="")}">{escape(row.id)}</a></td>'
            f'<td class="state-{escape(row.state)}">{escape(row.state)}</td><td>{escape(status)}</td>'
            f"<td>{escape(where)}</td><td>{int(row.age_s(now))} s</td><td>{escape(_spend(row))}</td>"
            f"<td>{links}</td></tr>"
        )
    table = (
        "<table><tr><th>Job</th><th>State</th><th>Phase / outcome</th><th>Repository</th><th>Age</th>"
        "<th>Spend</th><th>Links</th></tr>\n" + "\n".join(lines) + "</table>"
        if rows
        else "<p>No jobs in the list.</p>"
    )
    return _page("codellama-bot jobs", f"<h1>Jobs</h1>\n{table}")


def diff_html(diff: str) -> str:
    """A unified diff in <pre>, each line escaped and classed by its first character."""
    out = []
    for line in diff.splitlines():
        kind = ""
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+") and not line.startswith("+++"):
            kind = "add"
        elif line.startswith("-") and not line.startswith("---"):
            kind = "del"
        out.append(f'<span class="{kind}">{escape(line)}</span>' if kind else escape(line))
    return '<pre class="diff">' + "\n".join(out) + "</pre>"


def _folded(summary: str, inner: str, *, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>{inner}</details>"


def _pre(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def _str(data: Any, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _run(run: Any, label: str) -> str:
    if not isinstance(run, dict):
        return ""
    head = f"{label}: `{_str(run, 'command')}` exited {_str(run, 'exit_code')}"
    return f"<p>{escape(head)}</p>{_pre(_str(run, 'output_excerpt'))}"


def _candidate(n: int, candidate: Any) -> str:
    if not isinstance(candidate, dict):
        return ""
    verdict = (
        "passed" if candidate.get("passed") is True else "refused" if _str(candidate, "refusal") else "failed"
    )
    parts = []
    if _str(candidate, "refusal"):
        parts.append(f"<p>Refused: {escape(_str(candidate, 'refusal'))}</p>")
    if _str(candidate, "diff"):
        parts.append(diff_html(_str(candidate, "diff")))
    parts.append(_run(candidate.get("test_run"), "Tests"))
    if _str(candidate, "feedback"):
        parts.append(_folded("Feedback to the model", _pre(_str(candidate, "feedback"))))
    return _folded(f"Candidate {n}: {verdict}", "".join(parts))


def _round(entry: Any) -> str:
    if not isinstance(entry, dict):
        return ""
    parts = [_folded("Prompt", _pre(_str(entry, "prompt")))]
    for n, answer in enumerate(_list(entry, "answers"), 1):
        parts.append(_folded(f"Answer {n}", _pre(_str(answer, "text"))))
    for n, candidate in enumerate(_list(entry, "candidates"), 1):
        parts.append(_candidate(n, candidate))
    return _folded(f"Round {_str(entry, 'round')}", "".join(parts))


def job_page(row: JobRecord, trajectory: dict[str, Any] | None, problem: str = "") -> str:
    """One job: its row, then (when the worker wrote one) its trajectory, each long text folded."""
    where = row.repository + (f"#{row.number}" if row.number is not None else "")
    status = row.outcome if row.state == "done" else row.phase
    facts = [
        ("State", escape(row.state)),
        ("Phase / outcome", escape(status)),
        ("Repository", escape(where)),
        ("Spend", escape(_spend(row))),
        ("Links", " ".join(_link(u) for u in row.links)),
    ]
    if row.detail:
        facts.append(("Detail", escape(row.detail)))
    body = [
        '<p><a href="/jobs">All jobs</a></p>',
        f"<h1>Job {escape(row.id)}</h1>",
        "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts) + "</table>",
    ]
    if trajectory is None:
        body.append(f"<p>{escape(problem or 'No trajectory for this job (yet).')}</p>")
        return _page(f"Job {row.id}", "\n".join(body))
    outcome = trajectory.get("outcome") if isinstance(trajectory.get("outcome"), dict) else {}
    body.append("<h2>Outcome</h2>")
    body.append(f"<p>{escape(_str(outcome, 'status'))}: {escape(_str(outcome, 'reason'))}</p>")
    if _str(outcome, "diff"):
        body.append(diff_html(_str(outcome, "diff")))
    if _str(outcome, "explanation"):
        body.append(_folded("Explanation", _pre(_str(outcome, "explanation"))))
    before = [_run(run, "Tests before") for run in _list(trajectory, "base_runs")]
    if _str(trajectory, "evidence"):
        before.append(_folded("Evidence shown to the model", _pre(_str(trajectory, "evidence"))))
    if any(before):
        body += ["<h2>Before the repair</h2>", *before]
    body.append("<h2>Rounds</h2>")
    body.extend(_round(entry) for entry in _list(trajectory, "rounds"))
    return _page(f"Job {row.id}", "\n".join(body))
