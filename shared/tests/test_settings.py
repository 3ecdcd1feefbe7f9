from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from warmflow_shared.settings import DEV_PII_KEY, WarmflowSettings, get_settings

STRONG_KEY = "k" * 48


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("WARMFLOW_", "MONGODB_URL", "KAFKA_BOOTSTRAP_SERVERS")):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def production(**overrides: object) -> WarmflowSettings:
    values: dict[str, object] = {
        "environment": "production",
        "pii_key": STRONG_KEY,
        "jwt_public_key_path": Path("/run/secrets/jwt.pub.pem"),
        "storage_backend": "mongodb",
        "mongodb_url": "mongodb://db:27017/?replicaSet=rs0",
        "bus_backend": "kafka",
        "kafka_bootstrap_servers": "kafka:9092",
        **overrides,
    }
    return WarmflowSettings(**values)  # type: ignore[arg-type]


def test_defaults_are_the_embedded_platform() -> None:
    settings = WarmflowSettings()

    assert settings.environment == "development"
    assert (settings.storage_backend, settings.bus_backend) == ("sqlite", "inprocess")
    assert settings.data_dir == Path("var")
    assert settings.keys_dir == Path("var/keys")
    assert settings.kafka_partitions == 3
    assert (settings.jwt_issuer, settings.jwt_audience) == ("warmflow", "warmflow")
    assert settings.pii_key.get_secret_value() == DEV_PII_KEY
    assert (settings.http_host, settings.http_port, settings.root_path) == ("0.0.0.0", 8000, "")


def test_env_vars_use_the_warmflow_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARMFLOW_SERVICE", "registry")
    monkeypatch.setenv("WARMFLOW_KAFKA_PARTITIONS", "6")
    monkeypatch.setenv("WARMFLOW_LOG_JSON", "false")
    monkeypatch.setenv("WARMFLOW_DATA_DIR", "/srv/warmflow")

    settings = WarmflowSettings()

    assert settings.service == "registry"
    assert settings.kafka_partitions == 6
    assert settings.log_json is False
    assert settings.data_dir == Path("/srv/warmflow")


def test_plain_server_urls_are_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URL", "mongodb://plain")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "plain:9092")

    settings = WarmflowSettings()

    assert settings.mongodb_url == "mongodb://plain"
    assert settings.kafka_bootstrap_servers == "plain:9092"


def test_prefixed_server_urls_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URL", "mongodb://plain")
    monkeypatch.setenv("WARMFLOW_MONGODB_URL", "mongodb://prefixed")

    assert WarmflowSettings().mongodb_url == "mongodb://prefixed"


def test_keyword_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARMFLOW_MONGODB_URL", "mongodb://env")

    assert WarmflowSettings(mongodb_url="mongodb://kw").mongodb_url == "mongodb://kw"


def test_a_production_configuration_is_accepted() -> None:
    assert production().is_production


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pii_key": DEV_PII_KEY}, "WARMFLOW_PII_KEY"),
        ({"pii_key": "short"}, "WARMFLOW_PII_KEY"),
        ({"jwt_public_key_path": None}, "WARMFLOW_JWT_PUBLIC_KEY_PATH"),
        ({"mongodb_url": None}, "WARMFLOW_MONGODB_URL"),
        ({"kafka_bootstrap_servers": None}, "WARMFLOW_KAFKA_BOOTSTRAP_SERVERS"),
    ],
)
def test_production_refuses_defaults(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        production(**overrides)


def test_production_with_the_default_pii_key_from_env_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARMFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("WARMFLOW_JWT_JWKS_URL", "https://id.example/jwks.json")

    with pytest.raises(ValueError, match="WARMFLOW_PII_KEY") as error:
        WarmflowSettings()

    assert DEV_PII_KEY not in str(error.value)


def test_chosen_backends_need_their_urls_in_every_environment() -> None:
    with pytest.raises(ValueError, match="WARMFLOW_KAFKA_BOOTSTRAP_SERVERS"):
        WarmflowSettings(bus_backend="kafka")


def test_get_settings_is_cached_and_can_be_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARMFLOW_SERVICE", "first")
    first = get_settings()
    monkeypatch.setenv("WARMFLOW_SERVICE", "second")

    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().service == "second"
