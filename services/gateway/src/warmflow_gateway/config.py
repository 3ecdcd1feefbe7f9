"""The gateway's own settings: the shared ones plus its rate limit (``WARMFLOW_RATE_LIMIT_*``)."""

from __future__ import annotations

from pydantic import Field
from warmflow_shared.settings import WarmflowSettings


class GatewaySettings(WarmflowSettings):
    service: str = "gateway"
    # per caller (token subject, else client address); 0 turns the limit off
    rate_limit_per_second: float = Field(default=50.0, ge=0)
    rate_limit_burst: int = Field(default=200, ge=1)

    @classmethod
    def of(cls, settings: WarmflowSettings) -> GatewaySettings:
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
