"""The gateway's own settings: the shared ones, its rate limit, the faces and their sign-in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from warmflow_shared.settings import WarmflowSettings


class GatewaySettings(WarmflowSettings):
    service: str = "gateway"
    # per caller (token subject, else client address); 0 turns the limit off
    rate_limit_per_second: float = Field(default=50.0, ge=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    # the built faces (``make install`` runs ``npm ci && npm run build`` in web/)
    web_dist_dir: Path = Path("web/dist")
    # OpenID Connect for the faces in production (authorization code + PKCE, a public client)
    oidc_issuer: str | None = Field(default=None, pattern=r"^https?://\S+$")
    oidc_client_id: str | None = None
    oidc_scope: str = "openid profile"
    demo_token_minutes: int = Field(default=480, ge=1, le=24 * 60)

    @classmethod
    def of(cls, settings: WarmflowSettings) -> GatewaySettings:
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
