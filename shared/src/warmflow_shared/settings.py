"""Typed settings every service shares (``WARMFLOW_*`` env vars); services subclass them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PII_KEY = "warmflow-development-pii-key-not-a-secret"
MIN_PII_KEY_LENGTH = 32

Environment = Literal["development", "test", "production"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _env(name: str, *fallbacks: str) -> AliasChoices:
    """``WARMFLOW_<NAME>`` first, then the plain fallbacks; init kwargs use the field name."""
    return AliasChoices(f"WARMFLOW_{name.upper()}", *fallbacks)


class WarmflowSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WARMFLOW_",
        env_nested_delimiter="__",
        extra="ignore",
        validate_by_name=True,
        hide_input_in_errors=True,
    )

    environment: Environment = "development"
    service: str = "warmflow"
    storage_backend: Literal["sqlite", "mongodb"] = "sqlite"
    data_dir: Path = Path("var")
    mongodb_url: str | None = Field(
        default=None, validation_alias=_env("mongodb_url", "MONGODB_URL")
    )
    bus_backend: Literal["inprocess", "kafka"] = "inprocess"
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=_env("kafka_bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    # the shape `warmflow topics` gives every topic; apps create topics themselves only outside
    # production (docs/operations.md)
    kafka_partitions: int = Field(default=3, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_min_insync_replicas: int = Field(default=1, ge=1)
    jwt_public_key_path: Path | None = None
    jwt_jwks_url: str | None = None
    jwt_private_key_path: Path | None = None
    jwt_issuer: str = "warmflow"
    jwt_audience: str = "warmflow"
    pii_key: SecretStr = SecretStr(DEV_PII_KEY)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # a standalone service (its own container); the embedded gateway takes --host/--port instead
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=8000, ge=1, le=65535)
    root_path: str = ""  # the prefix a reverse proxy strips, e.g. /api/registry
    http_max_body_bytes: int = Field(default=1_048_576, ge=1)
    # File/Form routes only (the registry's Excel/CSV imports); JSON bodies keep the limit above
    http_max_upload_bytes: int = Field(default=20 * 1_048_576, ge=1)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    # where people reach the platform (printed on certificates and posters, encoded in QR codes)
    public_base_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^\s/]+")
    log_level: LogLevel = "INFO"
    log_json: bool = True

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @model_validator(mode="after")
    def _check_backends(self) -> Self:
        if self.storage_backend == "mongodb" and not self.mongodb_url:
            raise ValueError("storage_backend=mongodb needs WARMFLOW_MONGODB_URL (or MONGODB_URL)")
        if self.bus_backend == "kafka" and not self.kafka_bootstrap_servers:
            raise ValueError(
                "bus_backend=kafka needs WARMFLOW_KAFKA_BOOTSTRAP_SERVERS "
                "(or KAFKA_BOOTSTRAP_SERVERS)"
            )
        if self.kafka_min_insync_replicas > self.kafka_replication_factor:
            raise ValueError(
                "WARMFLOW_KAFKA_MIN_INSYNC_REPLICAS cannot exceed WARMFLOW_KAFKA_REPLICATION_FACTOR"
            )
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Self:
        if not self.is_production:
            return self
        key = self.pii_key.get_secret_value()
        if key == DEV_PII_KEY or len(key) < MIN_PII_KEY_LENGTH:
            raise ValueError(
                "production needs WARMFLOW_PII_KEY: a real secret of at least "
                f"{MIN_PII_KEY_LENGTH} characters, not the development default"
            )
        if not (self.jwt_public_key_path or self.jwt_jwks_url):
            raise ValueError(
                "production needs WARMFLOW_JWT_PUBLIC_KEY_PATH or WARMFLOW_JWT_JWKS_URL; "
                "the generated embedded key pair is for development only"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> WarmflowSettings:
    """The process's settings, read once; tests call ``get_settings.cache_clear()``."""
    return WarmflowSettings()
