"""Settings of the notify service: the shared ones plus channels, retries and the digest hour.

Every field is a ``WARMFLOW_<FIELD>`` variable, e.g. ``WARMFLOW_NOTIFY_SMTP_HOST``.
"""

from __future__ import annotations

from datetime import time
from typing import Self

from pydantic import Field, SecretStr, model_validator
from warmflow_shared.settings import WarmflowSettings

from warmflow_notify import SERVICE

DEV_SMS_SECRET = "warmflow-development-sms-secret"


class NotifySettings(WarmflowSettings):
    service: str = SERVICE
    # the database (MongoDB) or file (SQLite) name, and the prefix of the consumer groups
    # (``<store>.<purpose>``); tests isolate themselves with their own
    notify_store: str = Field(default=SERVICE, pattern=r"^[A-Za-z_]+$")
    # email over SMTP; no host means the channel is off
    notify_smtp_host: str | None = None
    notify_smtp_port: int = Field(default=25, ge=1, le=65535)
    notify_smtp_sender: str = "暖流 <noreply@warmflow.local>"
    notify_smtp_username: str | None = None
    notify_smtp_password: SecretStr | None = None
    notify_smtp_starttls: bool = False
    # SMS through an HTTP provider; requests carry an HMAC-SHA256 signature header
    notify_sms_endpoint: str | None = None
    notify_sms_secret: SecretStr = SecretStr(DEV_SMS_SECRET)
    # group-bot webhooks (URLs per organisation in the directory); signed when a secret is set
    notify_webhooks_enabled: bool = True
    # group bots on loopback/private/link-local addresses: for tests and a relay inside the network
    notify_webhook_internal_hosts: bool = False
    notify_webhook_secret: SecretStr | None = None
    notify_channel_timeout_seconds: float = Field(default=10.0, gt=0)
    # delivery retries: first delay, doubling up to the cap, then the notice fails
    notify_retry_first_seconds: float = Field(default=30.0, gt=0)
    notify_retry_max_seconds: float = Field(default=3600.0, gt=0)
    notify_retry_max_attempts: int = Field(default=5, ge=1)
    notify_deadline_poll_seconds: float = Field(default=1.0, gt=0)
    notify_digest_time: time = time(8, 0)  # China time
    # staff and group bots get a sweep's overdue items (报到逾期, 失联…) grouped: one notice per
    # kind of item for what arrived within this window, not one per member
    notify_overdue_batch_seconds: float = Field(default=60.0, ge=0)

    @model_validator(mode="after")
    def _refuse_default_sms_secret_in_production(self) -> Self:
        secret = self.notify_sms_secret.get_secret_value()
        if self.is_production and self.notify_sms_endpoint and secret == DEV_SMS_SECRET:
            raise ValueError("production SMS needs WARMFLOW_NOTIFY_SMS_SECRET, not the default")
        return self
