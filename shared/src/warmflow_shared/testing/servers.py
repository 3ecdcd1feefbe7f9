"""pytest plugin: where the real Kafka broker and MongoDB-wire server are.

Resolution order (infra.md): a server named by env (``KAFKA_BOOTSTRAP_SERVERS``,
``MONGODB_URL``) → a container via testcontainers when a Docker engine answers → skip with the
reason. With ``WARMFLOW_REQUIRE_SERVERS=1`` (set by ``.ci/run``) a missing server fails instead.
Fixtures are session-scoped and synchronous; tests make their own async clients and isolate
themselves by unique topic, group and database names.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest


def servers_required() -> bool:
    return os.environ.get("WARMFLOW_REQUIRE_SERVERS", "") not in ("", "0", "false")


def unavailable(what: str, why: str) -> None:
    """Skip the test for a missing tool or server; fail instead when CI demands them all."""
    message = f"{what} unavailable: {why}"
    if servers_required():
        pytest.fail(message + " (WARMFLOW_REQUIRE_SERVERS=1 demands it)", pytrace=False)
    pytest.skip(message)


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    if url := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield url
        return
    if not _docker_available():
        unavailable("Kafka", "KAFKA_BOOTSTRAP_SERVERS is unset and no Docker engine answers")
    from testcontainers.community.kafka import KafkaContainer

    with KafkaContainer() as container:
        yield container.get_bootstrap_server()


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    if url := os.environ.get("MONGODB_URL"):
        yield url
        return
    if not _docker_available():
        unavailable("MongoDB", "MONGODB_URL is unset and no Docker engine answers")
    from testcontainers.community.mongodb import MongoDbContainer

    with MongoDbContainer("mongo:7") as container:
        yield container.get_connection_url()


@pytest.fixture(scope="session")
def kafka_control() -> str:
    """The script that restarts the local broker (tests of a broker restart mid-stream)."""
    script = os.environ.get("WARMFLOW_KAFKA_CONTROL", "")
    if not script or not os.path.exists(script):
        unavailable("Kafka control script", "WARMFLOW_KAFKA_CONTROL is unset")
    return script


def unique_name(prefix: str) -> str:
    """A name safe as a Kafka topic, a consumer group and a FerretDB database."""
    clean = re.sub(r"[^A-Za-z0-9]", "", prefix)[:20] or "t"
    return f"{clean}{uuid.uuid4().hex[:12]}"


_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def unique_service(prefix: str) -> str:
    """A unique service name, hence a database of its own: Latin letters only, as those need."""
    return prefix + unique_name("").translate(_DIGITS_TO_LETTERS)


# Each backend-parametrised suite runs on the embedded adapters and on the real servers.
BACKEND_PAIRS = [
    pytest.param(("sqlite", "inprocess"), id="embedded"),
    pytest.param(("mongodb", "kafka"), id="servers", marks=[pytest.mark.kafka, pytest.mark.mongo]),
]


def require_backends(request: pytest.FixtureRequest, pair: tuple[str, str]) -> tuple[str, str]:
    """Locate the servers a pair needs (a missing one skips, or fails when required)."""
    store_backend, bus_backend = pair
    if store_backend == "mongodb":
        request.getfixturevalue("mongodb_url")
    if bus_backend == "kafka":
        request.getfixturevalue("kafka_bootstrap")
    return pair


def backend_options(request: pytest.FixtureRequest, pair: tuple[str, str]) -> dict[str, Any]:
    """The settings fields that put a service on ``pair``'s store and bus, servers located."""
    store_backend, bus_backend = require_backends(request, pair)
    options: dict[str, Any] = {"storage_backend": store_backend, "bus_backend": bus_backend}
    if store_backend == "mongodb":
        options["mongodb_url"] = request.getfixturevalue("mongodb_url")
    if bus_backend == "kafka":
        options["kafka_bootstrap_servers"] = request.getfixturevalue("kafka_bootstrap")
    return options


@pytest.fixture(params=BACKEND_PAIRS)
def backends(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(store backend, bus backend)``, once per pair."""
    return require_backends(request, request.param)
