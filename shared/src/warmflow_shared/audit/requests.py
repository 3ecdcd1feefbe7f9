"""Every state-changing request (POST, PUT, PATCH, DELETE) leaves an audit entry.

Pure ASGI middleware, added to each service app by ``Service``. It records after the response:
who (the principal the auth dependency resolved, if any), the route and method, the member the
path names, the purpose header, and the result (the status code). Refused requests (401, 403,
4xx) are recorded too: attempts matter to auditors as much as successes.
"""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.audit.trail import AuditTrail
from warmflow_shared.auth.principal import Principal

log = structlog.get_logger("warmflow.audit")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRINCIPAL_STATE_KEY = "principal"
PURPOSE_HEADER = b"x-purpose"
MEMBER_PARAMS = ("member_id",)


class AuditRequestsMiddleware:
    def __init__(self, app: ASGIApp, *, trail: AuditTrail) -> None:
        self.app = app
        self.trail = trail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            await self._record(scope, status)

    async def _record(self, scope: Scope, status: int) -> None:
        principal = scope.get("state", {}).get(PRINCIPAL_STATE_KEY)
        params = scope.get("path_params", {})
        member = next((str(params[p]) for p in MEMBER_PARAMS if p in params), None)
        route = getattr(scope.get("route"), "path", None) or "<unmatched>"
        try:
            await self.trail.record(
                principal if isinstance(principal, Principal) else None,
                action=f"{scope['method']} {route}",
                member_ids=[member] if member else [],
                purpose=_purpose(scope),
                result=str(status),
            )
        except Exception:
            log.exception("audit.write_failed", route=route, status=status)


def _purpose(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == PURPOSE_HEADER:
            purpose: str = value.decode("utf-8", "replace")
            return purpose[:200]
    return None
