"""Every integration suite runs on the embedded adapters AND on the real servers, through an app
mounted under ``/api/transfers`` and driven the way the gateway drives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from warmflow_shared.testing.servers import backend_options, unique_service

from .support import World, open_world


@pytest.fixture
async def world(
    backends: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    options = backend_options(request, backends)
    name = unique_service("tr")
    async with open_world(tmp_path, name, options) as opened:
        yield opened
