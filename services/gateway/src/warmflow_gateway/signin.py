"""How the faces sign people in: the IdP's OpenID Connect settings, or (development) demo users.

In production the console and the member app run the authorization code flow with PKCE against
the IdP named by ``WARMFLOW_OIDC_ISSUER`` (its discovery document) and send its access tokens,
which every service already verifies. The demo sign-in mints a token for a preset user with the
embedded key; it does not exist when ``WARMFLOW_ENVIRONMENT=production``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from warmflow_shared.auth.cli import mint_for
from warmflow_shared.auth.demo import DEMO_USERS
from warmflow_shared.auth.principal import COUNTY_NAMES, ROLE_NAMES, Principal
from warmflow_shared.errors import FieldError, InvalidInput, NotFound

from warmflow_gateway.config import GatewaySettings


class OidcConfig(BaseModel):
    issuer: str
    client_id: str
    scope: str


class SignInConfig(BaseModel):
    environment: str
    demo: bool = Field(description="the development sign-in that picks a demo user is available")
    oidc: OidcConfig | None


class DemoUser(BaseModel):
    id: str
    role: str
    role_name: str
    county: str | None
    county_name: str | None
    label: str


class DemoSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=64, description="预置演示用户")


class TokenGrant(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user: DemoUser


def demo_user(user_id: str, principal: Principal) -> DemoUser:
    county = COUNTY_NAMES.get(principal.county) if principal.county else None
    role = ROLE_NAMES[principal.role]
    return DemoUser(
        id=user_id,
        role=principal.role,
        role_name=role,
        county=principal.county,
        county_name=county,
        label=f"{county}·{role}" if county else role,
    )


def signin_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["sign-in"])
    demo_allowed = not settings.is_production
    oidc = (
        OidcConfig(
            issuer=settings.oidc_issuer.rstrip("/"),
            client_id=settings.oidc_client_id,
            scope=settings.oidc_scope,
        )
        if settings.oidc_issuer and settings.oidc_client_id
        else None
    )

    @router.get("/config", name="signin_config")
    async def config() -> SignInConfig:
        return SignInConfig(environment=settings.environment, demo=demo_allowed, oidc=oidc)

    def require_demo() -> None:
        if not demo_allowed:
            raise NotFound("生产环境不提供演示登录，请通过统一身份认证登录")

    @router.get("/demo-users", name="demo_users")
    async def users() -> list[DemoUser]:
        require_demo()
        return [demo_user(uid, p) for uid, p in DEMO_USERS.items()]

    @router.post("/demo-token", name="demo_token")
    async def token(body: DemoSignIn) -> TokenGrant:
        require_demo()
        principal = DEMO_USERS.get(body.user)
        if principal is None:
            raise InvalidInput(errors=[FieldError("user", "没有这个演示用户")])
        ttl = timedelta(minutes=settings.demo_token_minutes)
        return TokenGrant(
            access_token=mint_for(principal, ttl=ttl, settings=settings),
            expires_in=int(ttl.total_seconds()),
            user=demo_user(body.user, principal),
        )

    return router
