"""The request and reply types the stand-in's REST handlers share; GitHub's error and paging shapes."""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.stand_ins.github_shapes import Json, Render
from tests.stand_ins.github_state import Installation, Repo, World

DOCS = "https://docs.github.com/rest"


@dataclass
class Call:
    """One authenticated REST call, as a handler sees it."""

    world: World
    render: Render
    method: str
    url: str  # absolute, without the query: what Link headers are built from
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    installation: Installation | None = None
    app_id: int | None = None

    @property
    def repo(self) -> Repo:
        return self.world.repos[f"{self.params['owner']}/{self.params['repo']}"]

    @property
    def actor(self) -> str:
        """Who GitHub records as the author of a write made with this call's installation token."""
        assert self.installation is not None, "only token-authenticated routes write as the app"
        return self.world.bot_login(self.installation.installation_id)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    auth: Literal["app", "token"]  # an App JWT, or an installation token scoped to {owner}/{repo} if present
    handler: Handler


def route(method: str, template: str, auth: Literal["app", "token"], handler: Handler) -> Route:
    """A route from a path template like /repos/{owner}/{repo}/branches/{branch+} ({x+} may hold slashes)."""
    regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", template)
    regex = re.sub(r"\{(\w*(?:number|_id))\}", r"(?P<\1>\\d+)", regex)  # ids and numbers are digits only
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return Route(method, re.compile(f"^{regex}$"), auth, handler)


def not_found(message: str = "Not Found") -> Reply:
    return Reply(404, {"message": message, "documentation_url": DOCS, "status": "404"})


def unauthorized(message: str) -> Reply:
    return Reply(401, {"message": message, "documentation_url": DOCS, "status": "401"})


def invalid(*errors: Json, message: str = "Validation Failed") -> Reply:
    """GitHub's 422: a message, then one entry per problem (resource, field or message, code)."""
    return Reply(
        422, {"message": message, "errors": list(errors), "documentation_url": DOCS, "status": "422"}
    )


def page(call: Call, items: list[Json], key: str | None = None) -> Reply:
    """One page of a list with GitHub's Link header, which PyGithub's PaginatedList follows."""
    try:
        per_page = min(max(int(call.query.get("per_page", "30")), 1), 100)
        number = max(int(call.query.get("page", "1")), 1)
    except ValueError:
        return invalid({"resource": "Search", "field": "per_page", "code": "invalid"})
    last = max(math.ceil(len(items) / per_page), 1)
    chunk = items[(number - 1) * per_page : number * per_page]
    links = []
    for rel, target in (("prev", number - 1), ("next", number + 1), ("first", 1), ("last", last)):
        if (rel in ("prev", "first") and number > 1) or (rel in ("next", "last") and number < last):
            query = urllib.parse.urlencode(call.query | {"per_page": str(per_page), "page": str(target)})
            links.append(f'<{call.url}?{query}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if links else {}
    body: Any = chunk if key is None else {"total_count": len(items), key: chunk}
    return Reply(200, body, headers)
