"""Request-scoped dependencies every service's routes may use."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from warmflow_shared.settings import WarmflowSettings, get_settings
from warmflow_shared.web.handlers import correlation_id_of


async def app_settings(request: Request) -> WarmflowSettings:
    """The settings the app was created with (each service in the embedded process has its own)."""
    settings = getattr(request.app.state, "settings", None)
    return cast(WarmflowSettings, settings) if settings is not None else get_settings()


async def correlation_id(request: Request) -> str:
    return correlation_id_of(request) or ""


SettingsDep = Annotated[WarmflowSettings, Depends(app_settings)]
CorrelationId = Annotated[str, Depends(correlation_id)]
