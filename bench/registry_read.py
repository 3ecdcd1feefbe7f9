"""``GET`` a member file through the registry vs a minimal endpoint reading the same document.

One registry service (standalone bootstrap, its own store) holds N seeded member files. Both
sides run in the same process and app, through the same ASGI transport and HTTP client, with C
concurrent callers issuing R requests over the N members.
Baseline: ``GET /bench/raw/{id}``, no auth, ``collection.get(id)`` returned as JSON.
Subject: ``GET /members/{id}`` with a county admin's token: token check, scope (dual management),
the masked file view, and the audit entry every file read writes.
Ratio = subject requests/s / baseline requests/s; target >= 0.7. Run on SQLite and FerretDB.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.responses import JSONResponse
from warmflow_registry.bootstrap import bootstrap
from warmflow_registry.config import RegistrySettings
from warmflow_registry.domain.model import Profile
from warmflow_registry.entrypoints import demo_data
from warmflow_registry.entrypoints.demo_seed import SEEDER, seed_structure
from warmflow_registry.service_layer.commands import RegisterMember
from warmflow_registry.service_layer.members import register_member
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.keys import ensure_key_pair

from bench._support import Comparison, Config, unique

CALLERS = 8


async def _seed(registry: Any, count: int) -> list[str]:
    await seed_structure(registry)
    prefix = unique("bench")
    ids: list[str] = []
    for person in demo_data.members(count, registry.now().date(), seed=random.randrange(10**6)):
        cmd = RegisterMember(
            id_number=person.id_number,
            home_org_id=person.home_org_id,
            profile=Profile.model_validate(person.profile),
        )
        try:
            member = await register_member(registry, cmd, SEEDER, member_id=f"{prefix}{len(ids)}")
        except Exception:
            continue
        ids.append(member.id)
    return ids


async def _drive(client: httpx.AsyncClient, urls: list[str], headers: dict[str, str]) -> float:
    queue = list(reversed(urls))

    async def caller() -> None:
        while queue:
            response = await client.get(queue.pop(), headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    return len(urls) / (time.perf_counter() - started)


def _add_baseline(app: Any, registry: Any) -> None:
    collection = registry.stores.members.collection

    async def raw(member_id: str) -> JSONResponse:
        return JSONResponse(await collection.get(member_id))

    app.add_api_route("/bench/raw/{member_id}", raw, methods=["GET"])


async def _backend(config: Config, backend: str, data_dir: Path) -> Comparison:
    members, requests = (50, 400) if config.quick else (200, 3000)
    options: dict[str, Any] = {"storage_backend": backend, "bus_backend": "inprocess"}
    if backend == "mongodb":
        options["mongodb_url"] = config.mongodb_url
    settings = RegistrySettings(data_dir=data_dir, **options)
    ensure_key_pair(settings.keys_dir)
    service = bootstrap(settings)
    comparison = Comparison(
        name=f"registry_read[{backend}]",
        unit="req/s",
        ratio_definition="subject requests/s / baseline requests/s",
        target=">= 0.7",
        target_ok=lambda ratio: ratio >= 0.7,
        size={"members": members, "requests": requests, "callers": CALLERS},
    )
    async with service.app.router.lifespan_context(service.app):
        registry = service.app.state.registry
        _add_baseline(service.app, registry)
        ids = await _seed(registry, members)
        rng = random.Random(7)
        picks = [rng.choice(ids) for _ in range(requests)]
        token = mint_token("county_admin", "yuexi", settings=settings)
        auth = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=service.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            visible = [
                i for i in ids if (await client.get(f"/members/{i}", headers=auth)).is_success
            ]
            picks = [p for p in picks if p in set(visible)]
            for _ in range(config.rounds):
                base = await _drive(client, [f"/bench/raw/{i}" for i in picks], {})
                subject = await _drive(client, [f"/members/{i}" for i in picks], auth)
                comparison.add(base, subject, subject / base)
    comparison.report()
    return comparison


async def run(config: Config) -> dict[str, dict[str, Any]]:
    results = {}
    for backend in ("sqlite", "mongodb"):
        with tempfile.TemporaryDirectory() as tmp:
            comparison = await _backend(config, backend, Path(tmp))
        results[comparison.name] = comparison.summary()
    return results
