"""Pure ASGI middleware: correlation id, request metrics and logs, last-resort 500, body limit."""

from __future__ import annotations

import re
import uuid
from time import perf_counter

import structlog
from prometheus_client import CollectorRegistry
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.metrics import REGISTRY, service_metrics
from warmflow_shared.web.handlers import CORRELATION_STATE_KEY, unexpected_error_response
from warmflow_shared.web.problems import problem_response

log = structlog.get_logger("warmflow.web")

CORRELATION_HEADER = "X-Correlation-ID"
_INCOMING_HEADERS = ("x-correlation-id", "x-request-id")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED_ROUTE = "<unmatched>"
_UNROUTED_STATUSES = frozenset({404, 405, 413})


def correlation_id_for(scope: Scope) -> str:
    """An outer app's id (gateway mounts), else the caller's if well-formed, else a new one."""
    existing = scope.get("state", {}).get(CORRELATION_STATE_KEY)
    if isinstance(existing, str):
        return existing
    headers = Headers(scope=scope)
    for name in _INCOMING_HEADERS:
        value = headers.get(name, "")
        if _SAFE_ID.fullmatch(value):
            return value
    return uuid.uuid4().hex


def route_template(scope: Scope, status: int) -> str:
    """The matched route's template; unrouted answers (docs) by path, unknown paths as one."""
    template = getattr(scope.get("route"), "path", None)
    if template is not None:
        return str(template)
    return UNMATCHED_ROUTE if status in _UNROUTED_STATUSES else str(scope["path"])


class RequestContextMiddleware:
    def __init__(
        self, app: ASGIApp, *, service: str, registry: CollectorRegistry = REGISTRY
    ) -> None:
        self.app = app
        self.service = service
        self.latency = service_metrics(service, registry).http_request_duration

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = correlation_id_for(scope)
        scope.setdefault("state", {})[CORRELATION_STATE_KEY] = correlation_id
        with structlog.contextvars.bound_contextvars(
            correlation_id=correlation_id,
            service=self.service,
            http_method=scope["method"],
            http_path=scope["path"],
        ):
            await self._handle(scope, receive, send, correlation_id)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, cid: str) -> None:
        status, started, began = 500, False, perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                headers = MutableHeaders(scope=message)
                if CORRELATION_HEADER not in headers:
                    headers.append(CORRELATION_HEADER, cid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("http.unhandled_error", exc_info=exc)
            if started:
                raise
            await unexpected_error_response(cid, scope["path"])(scope, receive, send_with_id)
        finally:
            self._observe(scope, status, perf_counter() - began)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope, status)
        self.latency.labels(method=scope["method"], route=route, status=str(status)).observe(
            seconds
        )
        if route not in _QUIET_ROUTES:
            log.info(
                "http.request", route=route, status=status, duration_ms=round(seconds * 1e3, 1)
            )


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"请求体不能超过 {max_bytes} 字节")


class BodySizeLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        return limited_receive

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        cid = scope.get("state", {}).get(CORRELATION_STATE_KEY)
        response = problem_response(
            413,
            detail=BodyTooLarge(self.max_bytes).detail,
            code="body-too-large",
            instance=scope["path"],
            correlation_id=cid,
        )
        await response(scope, receive, send)
