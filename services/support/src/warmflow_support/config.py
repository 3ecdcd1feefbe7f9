"""Settings of the support service: the shared ones plus this service's rules."""

from __future__ import annotations

from pydantic import Field
from warmflow_shared.settings import WarmflowSettings

from warmflow_support import SERVICE


class SupportSettings(WarmflowSettings):
    service: str = SERVICE
    # the database (MongoDB) or file (SQLite) name; tests isolate themselves with their own
    support_store: str = Field(default=SERVICE, pattern=r"^[A-Za-z_]+$")
    # a member without any contact for this long shows on the liaison's work list, well before
    # the registry's lost-contact rule (6 months) flags them
    liaison_alert_days: int = Field(default=45, ge=1, le=365)
    # distance fit of a need: full within near_km of the member's site, none beyond far_km
    near_km: float = Field(default=5, gt=0)
    far_km: float = Field(default=50, gt=0)
    local_utc_offset_hours: int = 8
