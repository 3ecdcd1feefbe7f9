"""Demo presets are a development convenience: production never approves agreements on the
counties' behalf at start, and reference data comes from an explicit, idempotent command."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_gateway.seed import load_reference
from warmflow_registry.config import RegistrySettings
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.settings import WarmflowSettings


def test_presets_are_on_in_development_and_off_in_production_unless_asked() -> None:
    assert RegistrySettings().presets_enabled
    assert not RegistrySettings.model_construct(environment="production").presets_enabled
    production = RegistrySettings.model_construct(environment="production", demo_presets=True)
    assert production.presets_enabled


async def _agreements_and_roots(settings: WarmflowSettings) -> tuple[list[object], int]:
    app = create_platform_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            token = mint_token("county_admin", "yuhang", settings=settings)
            headers = {"Authorization": f"Bearer {token}"}
            listed = await client.get("/api/registry/agreements", headers=headers)
            assert listed.status_code == 200, listed.text
            root = await client.get(
                "/api/registry/organisations/yuhang-county-committee", headers=headers
            )
            return list(listed.json()["items"]), root.status_code


async def test_without_presets_nothing_is_approved_and_reference_data_loads_on_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARMFLOW_DEMO_PRESETS", "false")  # as a production start has it
    settings = WarmflowSettings(service="gateway", data_dir=tmp_path)
    agreements, root = await _agreements_and_roots(settings)
    assert agreements == [] and root == 404

    await load_reference(settings)
    await load_reference(settings)  # idempotent
    agreements, root = await _agreements_and_roots(settings)
    assert agreements == [] and root == 200
