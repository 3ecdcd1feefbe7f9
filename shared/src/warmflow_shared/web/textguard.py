"""422 for a JSON body carrying hidden or direction-changing characters, before any handler.

Every JSON string of every service is text someone may read (names, notes, templates), so the
check runs once here instead of on each model. It sits inside the body limits, so the body it
buffers is already bounded.
"""

from __future__ import annotations

import orjson
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.errors import FieldError
from warmflow_shared.text import hidden_in
from warmflow_shared.web.limits import refuse

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
