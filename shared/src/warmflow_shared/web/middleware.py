"""Pure ASGI middleware: correlation id, request metrics and logs, last-resort 500."""

from __future__ import annotations

import re
import uuid
from time import perf_counter

import structlog
from prometheus_client import CollectorRegistry
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.metrics import REGISTRY, service_metrics
from warmflow_shared.web.handlers import CORRELATION_STATE_KEY, unexpected_error_response

log = structlog.get_logger("warmflow.web")

CORRELATION_HEADER = "X-Correlation-ID"
_INCOMING_HEADERS = ("x-correlation-id", "x-request-id")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED_ROUTE = "<unmatched>"
# answered before routing (unknown path, size, media type, rate), so labelled as one route
_UNROUTED_STATUSES = frozenset({404, 405, 413, 415, 429})


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
        # A fresh dict: servers may hand every request the same lifespan state (asgi-lifespan
        # does), and writing into it would leak this request's id into the next ones.
        scope["state"] = {**scope.get("state", {}), CORRELATION_STATE_KEY: correlation_id}
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
            await unexpected_error_response(cid, scope["path"], exc)(scope, receive, send_with_id)
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
