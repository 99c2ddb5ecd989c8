"""Checks JSON against the request and response schemas of GitHub's OpenAPI description
(shared/corpora/github-openapi).

Not a full JSON Schema validator: it checks what a client relies on, namely that every `required` property is
present, that values have the declared JSON type (honouring `nullable`), enums, string lengths and date-time
formats, and it recurses into nested objects, arrays, $ref, allOf, anyOf and oneOf.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "corpora"
    / "github-openapi"
    / "api.github.com.json"
)
Schema = dict[str, Any]
TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


@functools.cache
def spec() -> Schema:
    """The 13 MB description, parsed once per process."""
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(f"GitHub's OpenAPI description is missing at {SPEC_PATH}; see shared/corpora")
    with SPEC_PATH.open() as f:
        loaded: Schema = json.load(f)
    return loaded


def response_schema(method: str, template: str, status: int) -> Schema:
    """The JSON schema GitHub documents for `method template` answering `status`."""
    operation = spec()["paths"][template][method.lower()]
    response = resolve(operation["responses"][str(status)])
    return resolve(response["content"]["application/json"]["schema"])


def request_schema(method: str, template: str) -> Schema:
    """The JSON schema GitHub documents for the body of `method template`."""
    operation = spec()["paths"][template][method.lower()]
    body = resolve(operation["requestBody"])
    return resolve(body["content"]["application/json"]["schema"])


def resolve(node: Schema) -> Schema:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def problems(schema: Schema, value: Any, where: str = "$") -> list[str]:
    """Every way `value` falls short of `schema`, as readable `path: what` lines; [] when it conforms."""
    schema = resolve(schema)
    if value is None:
        ok = schema.get("nullable") or schema.get("type") == "null" or not schema
        return [] if ok or _alternatives_allow_null(schema) else [f"{where}: null but not nullable"]
    found: list[str] = []
    for part in schema.get("allOf", []):
        found += problems(part, value, where)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            attempts: list[list[str]] = [problems(option, value, where) for option in schema[key]]
            if all(attempts):  # no alternative fits: report the nearest miss
                nearest = min(attempts, key=len)
                found += nearest
    declared = schema.get("type")
    # bool is an int in Python but not in JSON Schema.
    wrong_type = (
        isinstance(declared, str)
        and declared in TYPES
        and (
            not isinstance(value, TYPES[declared])
            or (declared in ("integer", "number") and isinstance(value, bool))
        )
    )
    if wrong_type:
        return [*found, f"{where}: expected {declared}, got {type(value).__name__} {value!r:.60}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        found.append(f"{where}: {len(value)} characters, more than {schema['maxLength']}")
    if schema.get("format") == "date-time" and isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            found.append(f"{where}: {value!r} is not an ISO 8601 date-time")
    if isinstance(value, dict):
        found += _object_problems(schema, value, where)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += problems(schema["items"], item, f"{where}[{i}]")
    return found


def _object_problems(schema: Schema, value: dict[str, Any], where: str) -> list[str]:
    found = [
        f"{where}: missing required {name!r}" for name in schema.get("required", []) if name not in value
    ]
    properties: dict[str, Schema] = schema.get("properties", {})
    for name, item in value.items():
        if name in properties:
            found += problems(properties[name], item, f"{where}.{name}")
        elif isinstance(schema.get("additionalProperties"), dict):
            found += problems(schema["additionalProperties"], item, f"{where}.{name}")
    return found


def _alternatives_allow_null(schema: Schema) -> bool:
    options = schema.get("anyOf", []) + schema.get("oneOf", [])
    return any(resolve(o).get("nullable") or resolve(o).get("type") == "null" for o in options) or any(
        _alternatives_allow_null(resolve(o)) for o in schema.get("allOf", [])
    )
