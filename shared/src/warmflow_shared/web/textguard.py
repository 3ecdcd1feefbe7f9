"""422 for a JSON body carrying hidden or direction-changing characters, before any handler.

Every JSON string of every service is text someone may read (names, notes, templates), so the
check runs once here instead of on each model. It sits inside the body limits, so the body it
buffers is already bounded.

A character found in a field the route does not take is named as that field's real fault —
not accepted (``extra_forbidden``), which removing the character would not cure — and a route
mounted from a service app that carries this check itself is left to that app, which knows its
routes' bodies.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import orjson
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.errors import FieldError
from warmflow_shared.text import hidden_in
from warmflow_shared.web.limits import refuse
from warmflow_shared.web.validation import reason as reason_of

MAX_REPORTED = 20
# no body of ours nests a tenth as deep; a deeper one only costs the checks below their stacks
# (a list nested ~1,000 deep made the walk below, and the route's parser, fail with a 500)
MAX_DEPTH = 32
_NO_JSON = object()


def _is_json(headers: Headers) -> bool:
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class HiddenTextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    await self.app(scope, _replay([message], receive), send)
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except HTTPException as exc:  # the body limit, raised while the body streams in
            await refuse(exc.status_code, exc.detail, scope, receive, send)
            return
        body = b"".join(chunks)
        value = _parsed(body)
        if value is not _NO_JSON and _deeper_than(value, MAX_DEPTH):
            reason = f"请求体嵌套层数过多（最多 {MAX_DEPTH} 层）"
            error = FieldError("body", reason, type="json_invalid")
            await refuse(
                400, reason, scope, receive, send,
                code="malformed-json", errors=[error], title="请求体不是合法的 JSON",
            )  # fmt: skip
            return
        errors = _hidden_fields(value) if value is not _NO_JSON else []
        if errors and _left_to_a_mounted_app(scope):
            errors = []  # the mounted service app checks the body against its own routes
        elif errors:
            errors = _as_the_route_takes_them(scope, errors)
        if errors:
            detail = "输入中含有不可见或会改变文字显示方向的字符"
            await refuse(422, detail, scope, receive, send, code="hidden-characters", errors=errors)
            return
        replayed: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay([replayed], receive), send)


def _parsed(body: bytes) -> object:
    try:
        return orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return _NO_JSON  # the route's own validation answers malformed JSON


def _deeper_than(value: object, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _left_to_a_mounted_app(scope: Scope) -> bool:
    """Whether the request goes on to a mounted app that carries this check itself."""
    router = getattr(scope.get("app"), "router", None)
    for route in getattr(router, "routes", ()):
        if isinstance(route, Mount) and route.matches(scope)[0] == Match.FULL:
            middleware = getattr(route.app, "user_middleware", ())
            return any(getattr(m, "cls", None) is HiddenTextMiddleware for m in middleware)
    return False


NOT_TAKEN = reason_of({"type": "extra_forbidden"})


def _as_the_route_takes_them(scope: Scope, hidden: list[FieldError]) -> list[FieldError]:
    """``hidden``, each one inside a field the route's body does not take (its schema, as the
    app's OpenAPI document states it) replaced by that field, named as not taken (once)."""
    found = _body_schema(scope)
    if found is None:
        return hidden
    schema, spec = found
    out: list[FieldError] = []
    for error in hidden:
        parts = error.field.split(".")[1:]  # "body.a.0.b" → a, 0, b
        at = _not_taken_at(parts, schema, spec)
        named = error
        if at is not None:
            named = FieldError(".".join(["body", *parts[: at + 1]]), NOT_TAKEN, "extra_forbidden")
        if named not in out:
            out.append(named)
    return out


def _body_schema(scope: Scope) -> tuple[dict[str, Any], dict[str, Any]] | None:
    openapi = getattr(scope.get("app"), "openapi", None)
    if openapi is None:
        return None
    spec: dict[str, Any] = openapi()  # read only for a body refused already: no hot path
    path, method = get_route_path(scope), str(scope.get("method", "")).lower()
    for template, operations in spec.get("paths", {}).items():
        if method in operations and _template(template).fullmatch(path):
            content = operations[method].get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            return (schema, spec) if schema else None
    return None


@cache
def _template(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)))


def _options(schema: dict[str, Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The concrete schemas a value may take: references followed, unions spread out."""
    if "$ref" in schema:
        target: Any = spec
        for key in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(key, {})
        return _options(target, spec)
    for union in ("anyOf", "oneOf", "allOf"):
        if union in schema:
            return [o for option in schema[union] for o in _options(option, spec)]
    return [schema]


def _not_taken_at(parts: list[str], schema: dict[str, Any], spec: dict[str, Any]) -> int | None:
    """The index of the first of ``parts`` that no schema on the way takes, or None."""
    for index, part in enumerate(parts):
        objects = [
            o
            for o in _options(schema, spec)
            if "properties" in o or o.get("type") in ("object", "array")
        ]
        if not objects:
            return None
        children = []
        for option in objects:
            if option.get("type") == "array":
                children.append(option.get("items", {}))
            elif part in option.get("properties", {}):
                children.append(option["properties"][part])
            elif option.get("additionalProperties", True) is not False:
                extra = option.get("additionalProperties", True)
                children.append(extra if isinstance(extra, dict) else {})
        if not children:
            return index
        if len(children) > 1:
            return None  # more than one way to read it: the route's own validation decides
        schema = children[0]
    return None


def _hidden_fields(value: object) -> list[FieldError]:
    found = []
    for path, reason in hidden_in(value, "body"):
        found.append(FieldError(path, reason, type="hidden_characters"))
        if len(found) >= MAX_REPORTED:
            break
    return found


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
