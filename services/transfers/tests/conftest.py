"""Every integration suite runs on the embedded adapters AND on the real servers, through an app
mounted under ``/api/transfers`` and driven the way the gateway drives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from warmflow_shared.testing.servers import unique_name

from .support import World, open_world

PAIRS = [
    pytest.param(("sqlite", "inprocess"), id="embedded"),
    pytest.param(("mongodb", "kafka"), id="servers", marks=[pytest.mark.kafka, pytest.mark.mongo]),
]


@pytest.fixture(params=PAIRS)
def backends(request: pytest.FixtureRequest) -> tuple[str, str]:
    store_backend, bus_backend = request.param
    if store_backend == "mongodb":
        request.getfixturevalue("mongodb_url")
    if bus_backend == "kafka":
        request.getfixturevalue("kafka_bootstrap")
    return store_backend, bus_backend


@pytest.fixture
async def world(
    backends: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    store_backend, bus_backend = backends
    options = {"storage_backend": store_backend, "bus_backend": bus_backend}
    if store_backend == "mongodb":
        options["mongodb_url"] = request.getfixturevalue("mongodb_url")
    if bus_backend == "kafka":
        options["kafka_bootstrap_servers"] = request.getfixturevalue("kafka_bootstrap")
    name = "tr" + unique_name("").translate(str.maketrans("0123456789", "ghijklmnop"))
    async with open_world(tmp_path, name, options) as opened:
        yield opened
