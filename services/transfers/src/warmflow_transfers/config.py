"""Settings of the transfers service: the shared ones plus the letter and deadline rules."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo

from pydantic import Field
from warmflow_shared.settings import WarmflowSettings

from warmflow_transfers import SERVICE


class TransfersSettings(WarmflowSettings):
    service: str = SERVICE
    # the database (MongoDB) or file (SQLite) name and consumer-group prefix; tests isolate by
    # it. Named for the service: the embedded gateway hands one environment to every service.
    transfers_store: str = Field(default=SERVICE, pattern=r"^[A-Za-z_]+$")
    # local practice, not national law: about 10 days, extensions up to 3 months in total
    letter_valid_days: int = Field(default=10, ge=1, le=90)
    letter_max_extension_months: int = Field(default=3, ge=0, le=12)
    local_utc_offset_hours: int = Field(default=8, ge=-12, le=14)
    deadline_poll_seconds: float = Field(default=5, gt=0)

    @property
    def zone(self) -> tzinfo:
        return timezone(timedelta(hours=self.local_utc_offset_hours))
