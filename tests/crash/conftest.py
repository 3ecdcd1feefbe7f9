"""Crash tests: a real ``warmflow run`` process, ``kill -9`` in the middle of work, a restart on
the same data dir. The demo structure is seeded once and copied for each test."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.platform_process import PlatformProcess, seed_platform

ENV = {"WARMFLOW_IMPORT_CHUNK_SIZE": "100"}  # many chunks: the kill lands inside the job


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("crash-seed")
    seed_platform(template, members=0, env=ENV)
    return template


@dataclass
class Crashable:
    data_dir: Path
    process: PlatformProcess
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.process.url

    def headers(self, role: str, county: str | None = None, **claims: Any) -> dict[str, str]:
        token = mint_token(
            role,  # type: ignore[arg-type]
            county,  # type: ignore[arg-type]
            claims.get("orgs", ()),
            claims.get("member_id"),
            claims.get("subject", f"crash-{role}-{uuid.uuid4().hex[:6]}"),
            settings=WarmflowSettings(data_dir=self.data_dir),
        )
        return {"Authorization": f"Bearer {token}"}

    def branch(self, admin: dict[str, str], name: str) -> dict[str, str]:
        uid = uuid.uuid4().hex[:10]
        org = {
            "id": f"yx-crash-{uid}",
            "code": f"CR{uid}",
            "name": f"岳西县{name}{uid}党支部",
            "type_code": "branch",
            "parent_id": "yuexi-county-committee",
            "county": "yuexi",
        }
        created = httpx.post(f"{self.url}/api/registry/organisations", json=org, headers=admin)
        assert created.status_code == 201, created.text
        return org


@pytest.fixture
def crashable(seeded: Path, tmp_path: Path) -> Iterator[Crashable]:
    data_dir = tmp_path / "data"
    shutil.copytree(seeded, data_dir)
    process = PlatformProcess(data_dir, ENV)
    process.start()
    made = Crashable(data_dir, process)
    try:
        yield made
    finally:
        process.stop()
        print(f"\ncrash figures: {made.figures}")
