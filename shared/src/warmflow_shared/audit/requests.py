"""Every state-changing request (POST, PUT, PATCH, DELETE) leaves an audit entry.

Pure ASGI middleware, added to each service app by ``Service``. It records once the handler has
answered and before the answer leaves: who (the principal the auth dependency resolved, if any),
the route and method, the member the path names, the purpose header, and the result (the status
code). Refused requests (401, 403, 4xx) are recorded too: attempts matter to auditors as much as
successes. The response is held until its entry is stored; when the entry cannot be written the
caller gets 503 (saying the audit failed, and whether the request was carried out: a refused or
failed one was not) instead of a success nobody can account for.
"""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warmflow_shared.audit.trail import AuditTrail
from warmflow_shared.auth.principal import Principal
from warmflow_shared.web.problems import problem_response

log = structlog.get_logger("warmflow.audit")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRINCIPAL_STATE_KEY = "principal"
PURPOSE_HEADER = b"x-purpose"
MEMBER_PARAMS = ("member_id",)
DONE_UNAUDITED = "操作已处理，但审计记录未能写入，请稍后核对并联系运维人员"
# a refused or failed request changed nothing: it must not read as done
NOT_DONE_UNAUDITED = "操作未执行，且审计记录未能写入，请稍后重试；如仍失败请联系运维人员"


class AuditRequestsMiddleware:
    def __init__(self, app: ASGIApp, *, trail: AuditTrail) -> None:
        self.app = app
        self.trail = trail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        status = 500

        async def hold(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            held.append(message)

        try:
            await self.app(scope, receive, hold)
        except BaseException:
            await self._record(scope, 500)
            raise
        if await self._record(scope, status):
            for message in held:
                await send(message)
            return
        response = problem_response(
            503,
            detail=DONE_UNAUDITED if status < 400 else NOT_DONE_UNAUDITED,
            code="audit-unavailable",
            instance=scope["path"],
            headers={"Retry-After": "5"},
        )
        await response(scope, receive, send)

    async def _record(self, scope: Scope, status: int) -> bool:
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
            return False
        return True


def _purpose(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == PURPOSE_HEADER:
            purpose: str = value.decode("utf-8", "replace")
            return purpose[:200]
    return None
