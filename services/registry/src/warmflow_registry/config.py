"""Settings of the registry service: the shared ones, plus this service's rules and keys."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
from warmflow_shared.settings import WarmflowSettings

from warmflow_registry import SERVICE

DEV_CHECKIN_KEY = "warmflow-development-checkin-key-not-a-secret"


class RegistrySettings(WarmflowSettings):
    service: str = SERVICE
    # the database (MongoDB) or file (SQLite) name, and the prefix of the consumer groups
    # (``<store>.<purpose>``); tests isolate themselves with their own
    registry_store: str = Field(default=SERVICE, pattern=r"^[A-Za-z_]+$")
    # 报到 deadline after outflow registration: local practice, not national law
    check_in_days: int = Field(default=30, ge=1, le=365)
    # unreachable this long (no organisational life, dues or contact) → flagged as lost contact
    lost_contact_months: int = Field(default=6, ge=1, le=60)
    # 经多方查找 before a suspension (停止党籍): unsuccessful search attempts since contact was
    # lost, through different channels, the first and last this many days apart (local practice)
    lost_search_attempts: int = Field(default=3, ge=1, le=20)
    lost_search_channels: int = Field(default=2, ge=1, le=8)
    lost_search_span_days: int = Field(default=30, ge=0, le=180)
    # the yearly report to the home organisation: due this many months after the last one (or
    # the outflow); the member is reminded this many days before, the home branch told after
    yearly_report_months: int = Field(default=12, ge=1, le=24)
    yearly_report_remind_days: int = Field(default=30, ge=0, le=180)
    lost_contact_hour: int = Field(default=2, ge=0, le=23, description="local time, Asia/Shanghai")
    checkin_key: SecretStr = SecretStr(DEV_CHECKIN_KEY)
    checkin_code_hours: int = Field(default=24, ge=1, le=24 * 31)
    deadline_poll_seconds: float = Field(default=5.0, gt=0)
    # bulk import: rows per chunk (one progress save each), upload and row limits; export cap
    import_chunk_size: int = Field(default=1000, ge=1, le=5_000)
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=200_000, ge=1)
    export_max_rows: int = Field(default=20_000, ge=1)
    # the demo presets (the counties' root organisations, the AI Town site, two data-sharing
    # agreements approved on both counties' behalf) at every start: on by default in development,
    # off in production, where reference data comes from `warmflow reference` and agreements
    # only from the counties' own approvals
    demo_presets: bool | None = None

    @property
    def presets_enabled(self) -> bool:
        return self.demo_presets if self.demo_presets is not None else not self.is_production

    @model_validator(mode="after")
    def _refuse_default_checkin_key(self) -> Self:
        key = self.checkin_key.get_secret_value()
        if self.is_production and (key == DEV_CHECKIN_KEY or len(key) < 32):
            raise ValueError("production needs WARMFLOW_CHECKIN_KEY: a real secret of 32+ chars")
        return self
