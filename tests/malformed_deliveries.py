"""A corpus of malformed webhook deliveries, generated systematically from GitHub's own example payloads.

Three base deliveries that each queue a job when sent as they are (a maintainer's `/codellama fix`, a failed
workflow_run, a failed check_suite) are mutated one way at a time: every field the bot reads gets each wrong
type, null where GitHub never sends null, removal where GitHub always sends it, out-of-range numbers, values
of the wrong shape and lone surrogates; the body gets deep nesting, duplicate keys, NaN, invalid UTF-8 and
the like; the headers get duplicates, non-ASCII bytes and wrong shapes; the length gets lies and excess.
Every delivery here must get a 4xx and queue nothing. Used by tests/bot/test_webhook_corpus.py and
bench/webhook_corpus_bench.py (which also runs it against an older receiver).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.signature import sign
from tests import payloads

Payload = dict[str, Any]
SURROGATE = "\ud800"  # json.dumps writes it as the escape "\ud800", as a hostile sender would


@dataclass(frozen=True)
class Base:
    event: str
    payload: Payload
    # (dotted path, kind, nullable, optional); the kinds are the keys of _WRONG_TYPES
    fields: tuple[tuple[str, str, bool, bool], ...]


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    field: str | None = None  # the field a 400 must name
    chunked: bool = False


def bases(
    repo: str, installation_id: int, *, number: int, comment_id: int, login: str, sha: str
) -> list[Base]:
    """The three deliveries the corpus mutates; each queues a job when sent unmodified."""
    comment = payloads.issue_comment(
        repo, installation_id, number=number, comment_id=comment_id, body="/codellama fix", login=login
    )
    comment["issue"]["pull_request"] = {"url": f"https://api.github.com/repos/{repo}/pulls/{number}"}
    run = payloads.workflow_run_failed(repo, installation_id, run_id=991, branch="main", sha=sha, pulls=(3,))
    suite = payloads.check_suite_failed(repo, installation_id, suite_id=992, branch="dev", sha="b" * 40)
    who = (("sender", "object", False, False), ("sender.login", "login", False, False))
    who += (("sender.type", "word", False, False), ("installation", "object", False, False))
    who += (("installation.id", "id", False, False), ("repository", "object", False, False))
    who += (("repository.full_name", "name", False, False), ("action", "action", False, False))
    return [
        Base(
            "issue_comment",
            comment,
            (
                *who,
                ("comment", "object", False, False),
                ("comment.id", "id", False, False),
                ("comment.body", "text", False, False),
                ("comment.user", "object", False, False),
                ("comment.user.login", "login", False, False),
                ("comment.user.type", "word", False, False),
                ("comment.author_association", "word", False, False),
                ("issue", "object", False, False),
                ("issue.number", "id", False, False),
                ("issue.pull_request", "object", False, True),
            ),
        ),
        Base(
            "workflow_run",
            run,
            (
                *who,
                ("workflow_run", "object", False, False),
                ("workflow_run.id", "id", False, False),
                ("workflow_run.check_suite_id", "id", False, False),
                ("workflow_run.conclusion", "word", True, False),
                ("workflow_run.head_branch", "branch", True, False),
                ("workflow_run.head_sha", "sha", False, False),
                ("workflow_run.head_repository", "object", True, False),
                ("workflow_run.head_repository.full_name", "name", False, False),
                ("workflow_run.pull_requests", "list", False, False),
                ("workflow_run.pull_requests.0.number", "id", False, False),
            ),
        ),
        Base(
            "check_suite",
            suite,
            (
                *who,
                ("check_suite", "object", False, False),
                ("check_suite.id", "id", False, False),
                ("check_suite.conclusion", "word", True, False),
                ("check_suite.head_branch", "branch", True, False),
                ("check_suite.head_sha", "sha", False, False),
                ("check_suite.pull_requests", "list", False, False),
                ("check_suite.pull_requests.0.number", "id", False, False),
            ),
        ),
    ]


_WRONG_TYPES: dict[str, list[Any]] = {
    "id": ["7", 7.5, True, [7], {"id": 7}, 0, -1, 2**64, 1e3],
    "text": [5, True, ["/codellama fix"], {"body": "x"}, 1.5, SURROGATE, "/codellama fix " + SURROGATE],
    "sha": [5, True, ["a" * 40], {}, "", "x" * 40, "A" * 40, "a" * 39, "a" * 40 + "\n", SURROGATE * 40],
    "branch": [5, True, ["main"], {"name": "main"}, "", "ma in", "main\n", "x" * 300, SURROGATE, "a\x00b"],
    "name": [5, True, ["o/r"], {}, "", "../../etc", "a/b/c", "o/r\n", "o/" + SURROGATE, "o/r x"],
    "login": [5, True, ["alice"], {}, "", "ali\nce", "x" * 101, SURROGATE],
    "word": [5, True, ["x"], {}, 1.5, "x" * 65, SURROGATE],
    "object": [5, "x", ["x"], True, 1.5],
    "list": [5, "x", {"number": 3}, True, [5], ["x"], [None]],
    "action": [5, True, ["created"], {}, 1.5],
}


def _set(payload: Payload, path: str, value: Any, *, remove: bool = False) -> None:
    *parents, last = path.split(".")
    node: Any = payload
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if remove:
        del node[key]
    else:
        node[key] = value


def _signed(
    event: str, body: bytes, secret: str, delivery: str, **extra: bytes
) -> tuple[tuple[bytes, bytes], ...]:
    headers = {
        b"Content-Type": b"application/json",
        b"X-GitHub-Event": event.encode(),
        b"X-GitHub-Delivery": delivery.encode(),
        b"X-Hub-Signature-256": sign(secret, body).encode(),
    }
    headers.update({k.replace("_", "-").encode(): v for k, v in extra.items()})
    return tuple(headers.items())


def corpus(bases_: list[Base], secret: str, max_body_bytes: int) -> list[Case]:
    cases: list[Case] = []
    n = 0

    def add(name: str, event: str, body: bytes, field: str | None = None, **headers: bytes) -> None:
        nonlocal n
        n += 1
        cases.append(Case(name, body, _signed(event, body, secret, f"corpus-{n}", **headers), field))

    for base in bases_:
        ev = base.event
        for path, kind, nullable, optional in base.fields:
            for i, value in enumerate(_WRONG_TYPES[kind]):
                mutated = copy.deepcopy(base.payload)
                _set(mutated, path, value)
                add(f"{ev} {path} = {value!r:.40} ({i})", ev, json.dumps(mutated).encode(), path)
            if not nullable:
                mutated = copy.deepcopy(base.payload)
                _set(mutated, path, None)
                add(f"{ev} {path} = null", ev, json.dumps(mutated).encode(), path)
            if not optional:
                mutated = copy.deepcopy(base.payload)
                _set(mutated, path, None, remove=True)
                add(f"{ev} {path} missing", ev, json.dumps(mutated).encode(), path)
        cases.extend(_body_cases(base, secret, max_body_bytes, start=len(cases)))
    cases.extend(_header_cases(bases_[0], secret, start=len(cases)))
    return cases


def _body_cases(base: Base, secret: str, max_body_bytes: int, start: int) -> Iterator[Case]:
    ev, good = base.event, json.dumps(base.payload)
    inner = good[1:-1]
    bodies: list[tuple[str, bytes]] = []
    for depth in (65, 100, 999, 1_000, 5_000, 100_000):
        bodies.append((f"arrays {depth} deep", ("[" * depth + "]" * depth).encode()))
        nested = '{"a":' * depth + "1" + "}" * depth
        bodies.append(
            (f"objects {depth} deep inside the payload", ("{" + inner + ',"x":' + nested + "}").encode())
        )
        bodies.append((f"unclosed {depth} deep", ("[" * depth).encode()))
    for name, text in (
        ("duplicate action", '{"action":"created",' + inner + "}"),
        ("duplicate nested key", good.replace('"login":', '"login":"x","login":', 1)),
        ("NaN", "{" + inner + ',"x":NaN}'),
        ("Infinity", "{" + inner + ',"x":Infinity}'),
        ("-Infinity", "{" + inner + ',"x":-Infinity}'),
        ("lone surrogate in an unread field", "{" + inner + ',"x":"\\udc00"}'),
        ("lone surrogate in a key", "{" + inner + ',"\\ud800":1}'),
        ("BOM", "\ufeff" + good),
        ("trailing garbage", good + "garbage"),
        ("two objects", good + good),
        ("truncated", good[: len(good) // 2]),
        ("empty", ""),
        ("whitespace", "  \n"),
        ("null", "null"),
        ("array", "[" + good + "]"),
        ("string", json.dumps(good)),
        ("number", "5"),
        ("huge integer", "{" + inner + ',"x":' + "9" * 5000 + "}"),
        ("single quotes", good.replace('"', "'")),
        ("comment", "//\n" + good),
    ):
        bodies.append((name, text.encode("utf-8", "surrogatepass")))
    bodies.append(("invalid UTF-8", good.encode()[:-1] + b"\xff}"))
    bodies.append(("UTF-8-encoded surrogate", good.encode()[:-1] + b',"x":"\xed\xa0\x80"}'))
    bodies.append(("latin-1 body", good.replace("}", ',"x":"caf\u00e9"}', 1).encode("latin-1")))
    bodies.append(("UTF-16 body", good.encode("utf-16")))
    for i, (name, body) in enumerate(bodies):
        yield Case(f"{ev} body: {name}", body, _signed(ev, body, secret, f"corpus-b{start + i}"))
    over = ("{" + inner + ',"pad":"' + "x" * max_body_bytes + '"}').encode()
    yield Case(f"{ev} body over the limit", over, _signed(ev, over, secret, f"corpus-o{start}"))
    yield Case(
        f"{ev} chunked body over the limit", over, _signed(ev, over, secret, f"corpus-c{start}"), chunked=True
    )
    lie = _signed(
        ev, good.encode(), secret, f"corpus-l{start}", Content_Length=str(max_body_bytes + 1).encode()
    )
    yield Case(f"{ev} Content-Length over the limit", good.encode(), lie)
    for value in (b"-1", b"abc", b"1e3", b"99999999999999999999999"):
        bad = _signed(ev, good.encode(), secret, f"corpus-n{start}-{value.decode()}", Content_Length=value)
        yield Case(f"{ev} Content-Length {value.decode()}", good.encode(), bad)


def _header_cases(base: Base, secret: str, start: int) -> Iterator[Case]:
    ev, body = base.event, json.dumps(base.payload).encode()
    good = dict(_signed(ev, body, secret, "x"))
    signature = good[b"X-Hub-Signature-256"]
    variants: list[tuple[str, list[tuple[bytes, bytes]]]] = []
    for header in (b"X-Hub-Signature-256", b"X-GitHub-Event", b"X-GitHub-Delivery"):
        others = [(k, v) for k, v in good.items() if k != header]
        variants.append((f"{header.decode()} missing", others))
        variants.append(
            (f"{header.decode()} twice", [*others, (header, good[header]), (header, good[header])])
        )
        variants.append(
            (f"{header.decode()} twice, differing", [*others, (header, good[header]), (header, b"x")])
        )
        variants.append((f"{header.decode()} empty", [*others, (header, b"")]))
        variants.append((f"{header.decode()} UTF-8", [*others, (header, good[header] + "é".encode())]))
        variants.append((f"{header.decode()} latin-1", [*others, (header, good[header] + b"\xe9")]))
        variants.append((f"{header.decode()} only non-ASCII", [*others, (header, "ünïcode".encode())]))
    without_signature = [(k, v) for k, v in good.items() if k != b"X-Hub-Signature-256"]
    for name, value in (
        ("forged", b"sha256=" + b"0" * 64),
        ("sha1", b"sha1=" + signature[7:47]),
        ("upper-case hex", signature.upper()),
        ("short", signature[:-2]),
        ("long", signature + b"00"),
        ("other secret", sign(secret + "x", body).encode()),
        ("non-ASCII digit", signature[:-1] + "٣".encode()),
    ):
        variants.append(
            (f"X-Hub-Signature-256 {name}", [*without_signature, (b"X-Hub-Signature-256", value)])
        )
    without_event = [(k, v) for k, v in good.items() if k != b"X-GitHub-Event"]
    for value in (b"Issue Comment", b"issue_comment\x7f", b"x" * 200, b"../ping"):
        variants.append((f"X-GitHub-Event {value[:20]!r}", [*without_event, (b"X-GitHub-Event", value)]))
    without_delivery = [(k, v) for k, v in good.items() if k != b"X-GitHub-Delivery"]
    for value in (b"a b", b"x" * 300, b"../../x", b"-leading-dash", b"d\x00"):
        variants.append(
            (f"X-GitHub-Delivery {value[:20]!r}", [*without_delivery, (b"X-GitHub-Delivery", value)])
        )
    for i, (name, headers) in enumerate(variants):
        # Each keeps a delivery id of its own unless the case is about that header.
        fixed = [
            (k, f"corpus-h{start + i}".encode() if (k, v) == (b"X-GitHub-Delivery", b"x") else v)
            for k, v in headers
        ]
        yield Case(f"header: {name}", body, tuple(fixed))
