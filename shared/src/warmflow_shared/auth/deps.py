"""FastAPI dependencies: who is calling (``CurrentPrincipal``) and may they (``require_roles``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import jwt
import structlog
from anyio import to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from warmflow_shared.auth.jwt import TokenError, Verifier
from warmflow_shared.auth.principal import ROLE_NAMES, Principal, Role
from warmflow_shared.errors import Forbidden, ServiceUnavailable, Unauthorized
from warmflow_shared.web.deps import app_settings

log = structlog.get_logger("warmflow.auth")

BEARER_DOC = "warmflow 签发的 JWT 访问令牌"


async def get_verifier(request: Request) -> Verifier:
    """The app's verifier; built from its settings on first use when none was given."""
    state = request.app.state
    verifier = getattr(state, "verifier", None)
    if verifier is None:
        verifier = Verifier.from_settings(await app_settings(request))
        state.verifier = verifier
    assert isinstance(verifier, Verifier)
    return verifier


PrincipalCheck = Callable[[Request, Principal], Awaitable[None]]
"""A service's own check of an admitted principal (raises to refuse), run inside the one
dependency rather than as a second one around it."""


class _Caller(HTTPBearer):
    """Who is calling, and may they: the whole check as ONE dependency of the route.

    FastAPI resolves every dependency of a route on every request (tens of microseconds each);
    the bearer scheme, the verifier, the principal and the role check as a chain of four cost
    about twice the token check itself. A subclass of ``HTTPBearer``, it is still the route's
    security scheme in the OpenAPI document (same name, ``HTTPBearer``)."""

    def __init__(
        self, roles: tuple[Role, ...] | None = None, check: PrincipalCheck | None = None
    ) -> None:
        super().__init__(auto_error=False, scheme_name="HTTPBearer", description=BEARER_DOC)
        self.roles = frozenset(roles) if roles is not None else None
        self.names = "、".join(ROLE_NAMES[r] for r in roles or ())
        self.check = check

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        credentials = await super().__call__(request)
        principal = await _verified(await get_verifier(request), credentials)
        request.state.principal = principal  # for the audit trail of state-changing requests
        if self.roles is not None and principal.role not in self.roles:
            raise Forbidden(f"此操作仅限{self.names}")
        if self.check is not None:
            await self.check(request, principal)
        return principal


async def _verified(
    verifier: Verifier, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    if credentials is None:
        raise Unauthorized("请先登录：请求缺少 Bearer 访问令牌", error=None)
    try:
        if verifier.may_block:  # a JWKS fetch must not block the event loop
            return await to_thread.run_sync(verifier.verify, credentials.credentials)
        # a static key verifies in tens of microseconds: a thread hop would cost more
        return verifier.verify(credentials.credentials)
    except TokenError as exc:
        raise Unauthorized(str(exc)) from exc
    except jwt.PyJWKClientConnectionError as exc:
        log.error("auth.jwks_unreachable", exc_info=exc)
        raise ServiceUnavailable("暂时无法校验登录凭证，请稍后再试") from exc


CurrentPrincipal = Annotated[Principal, Depends(_Caller())]


def require_roles(*roles: Role, check: PrincipalCheck | None = None) -> Any:
    """``Depends`` that lets only ``roles`` through (403 otherwise), then ``check`` if given,
    and yields the principal.

    Use as ``dependencies=[require_roles("county_admin")]`` or
    ``principal: Annotated[Principal, require_roles("org_admin", "county_admin")]``.
    """
    return Depends(_Caller(roles, check))
