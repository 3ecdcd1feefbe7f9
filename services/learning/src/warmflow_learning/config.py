"""Settings of the learning service: the shared ones plus this service's rules and keys."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
from warmflow_shared.events.catalog.vocabulary import STUDYING_STATUSES, MobileStatus
from warmflow_shared.settings import WarmflowSettings

from warmflow_learning import SERVICE

DEV_LEARNING_KEY = "warmflow-development-learning-key-not-a-secret"


class LearningSettings(WarmflowSettings):
    service: str = SERVICE
    # the database (MongoDB) or file (SQLite) name, and the prefix of the consumer groups
    # (``<store>.<purpose>``); tests isolate themselves with their own
    learning_store: str = Field(default=SERVICE, pattern=r"^[A-Za-z_]+$")
    # signs session check-in codes and certificate verification codes
    learning_key: SecretStr = SecretStr(DEV_LEARNING_KEY)
    completion_share: float = Field(default=0.75, gt=0, le=1)
    reminder_lead_hours: float = Field(default=24, gt=0)
    check_in_early_minutes: int = Field(default=15, ge=0)
    late_after_minutes: int = Field(default=10, ge=0)
    nearby_km: float = Field(default=10, gt=0)
    recommend_horizon_days: int = Field(default=30, ge=1)
    local_utc_offset_hours: int = 8
    deadline_poll_seconds: float = Field(default=5, gt=0)
    # registry statuses of members who "should study" (参学率 denominator)
    active_mobile_statuses: list[MobileStatus] = list(STUDYING_STATUSES)

    @model_validator(mode="after")
    def _refuse_default_key_in_production(self) -> Self:
        if self.is_production and self.learning_key.get_secret_value() == DEV_LEARNING_KEY:
            raise ValueError("production needs WARMFLOW_LEARNING_KEY, not the development default")
        return self

    def key(self, purpose: str) -> bytes:
        return f"{purpose}:{self.learning_key.get_secret_value()}".encode()
