"""Every integration suite runs on the embedded adapters AND on the real servers, through an app
mounted under ``/api/transfers`` and driven the way the gateway drives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from warmflow_shared.testing.servers import unique_service

from .support import World, open_world


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
    name = unique_service("tr")
    async with open_world(tmp_path, name, options) as opened:
        yield opened
