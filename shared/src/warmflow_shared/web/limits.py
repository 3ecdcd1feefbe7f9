"""Hostile-input guards before any body is read: size limits (413) and strict media types (415).

The operation's documented request body decides: a form/upload operation (``File``/``Form``)
gets the larger upload limit and takes only form media types; a JSON-body operation takes only
``application/json`` (or ``+json``). Bodies are counted while they stream, so an oversized one is
never held in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.errors import FieldError
from warmflow_shared.web.handlers import CORRELATION_STATE_KEY
from warmflow_shared.web.problems import problem_response

OpenApi = Callable[[], dict[str, Any]]
FORM_MEDIA_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"请求体不能超过 {max_bytes} 字节")


@dataclass(frozen=True)
class BodyRule:
    """What one route accepts: at most ``max_bytes``, of ``media`` (``None``: any type)."""

    max_bytes: int
    media: frozenset[str] | None = None
    json: bool = False

    def accepts(self, content_type: str) -> bool:
        if self.media is None and not self.json:
            return True
        media = content_type.split(";", 1)[0].strip().lower()
        if self.json and media.startswith("application/"):
            return media == "application/json" or media.endswith("+json")
        return self.media is not None and media in self.media


def route_path(scope: Scope) -> str:
    """The path the app routes on: a mount's ``root_path`` (e.g. ``/api/registry``) left out."""
    path, root = str(scope["path"]), str(scope.get("root_path", ""))
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path


def declares_body(headers: Headers) -> bool:
    length = headers.get("content-length", "")
    return "transfer-encoding" in headers or (length.isdigit() and int(length) > 0)


@dataclass(frozen=True)
class RouteRule:
    path: re.Pattern[str]
    method: str
    rule: BodyRule


class BodyRules:
    """Each documented operation's rule, read from the app's own OpenAPI on first use.

    Unmatched paths (mounted apps, which guard themselves, and 404s) get only the upload ceiling.
    """

    def __init__(self, openapi: OpenApi, max_bytes: int, upload_max_bytes: int) -> None:
        self._openapi = openapi
        self._routes: list[RouteRule] | None = None
        self.json = BodyRule(max_bytes, json=True)
        self.form = BodyRule(upload_max_bytes, media=FORM_MEDIA_TYPES)
        self.bodiless = BodyRule(max_bytes)
        self.unmatched = BodyRule(upload_max_bytes)

    def for_request(self, scope: Scope) -> BodyRule:
        path, method = route_path(scope), scope["method"].lower()
        for route in self.routes():
            if route.method == method and route.path.match(path):
                return route.rule
        return self.unmatched

    def routes(self) -> list[RouteRule]:
        if self._routes is None:
            self._routes = [
                RouteRule(compile_path(path)[0], method, self._rule(operation))
                for path, item in self._openapi().get("paths", {}).items()
                for method, operation in item.items()
            ]
        return self._routes

    def _rule(self, operation: dict[str, Any]) -> BodyRule:
        media = set(operation.get("requestBody", {}).get("content", {}))
        if not media:
            return self.bodiless
        return self.form if media & FORM_MEDIA_TYPES else self.json


class BodyLimitMiddleware:
    """413 for oversized bodies (declared or streamed), 415 for a media type the route refuses."""

    def __init__(
        self, app: ASGIApp, *, openapi: OpenApi, max_bytes: int, upload_max_bytes: int
    ) -> None:
        self.app = app
        self.rules = BodyRules(openapi, max_bytes, upload_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule, headers = self.rules.for_request(scope), Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > rule.max_bytes:
            await refuse(413, BodyTooLarge(rule.max_bytes).detail, scope, receive, send)
        elif declares_body(headers) and not rule.accepts(headers.get("content-type", "")):
            await refuse(415, unsupported_detail(rule), scope, receive, send)
        else:
            await self.app(scope, limited(receive, rule.max_bytes), send)


def limited(receive: Receive, max_bytes: int) -> Receive:
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise BodyTooLarge(max_bytes)
        return message

    return limited_receive


def unsupported_detail(rule: BodyRule) -> str:
    if rule.json:
        return "请求体应为 JSON，请使用 Content-Type: application/json"
    return "请以表单方式上传文件，请使用 Content-Type: multipart/form-data"


async def refuse(
    status: int,
    detail: str,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    code: str | None = None,
    errors: list[FieldError] | None = None,
    title: str | None = None,
) -> None:
    """Answer with a problem before the app sees the request."""
    code = code or ("body-too-large" if status == 413 else "unsupported-media-type")
    response = problem_response(
        status,
        title=title,
        detail=detail,
        code=code,
        instance=scope["path"],
        correlation_id=scope.get("state", {}).get(CORRELATION_STATE_KEY),
        errors=errors,
    )
    await response(scope, receive, send)
