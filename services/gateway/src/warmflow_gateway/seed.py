"""``warmflow seed``: demo data into the embedded default, through the running platform.

The registry's handlers create everything, so the other services learn it from the events as
they would in production. The platform is started (and stopped gracefully) around the seed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from warmflow_registry.entrypoints.demo_data import demo_members
from warmflow_registry.entrypoints.demo_seed import seed_members, seed_structure
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.organisations import ensure_root_organisations
from warmflow_registry.service_layer.partners import load_partner
from warmflow_shared.settings import WarmflowSettings

from warmflow_gateway.demo_activity import Seeded, seed_activity
from warmflow_gateway.demo_staff import demo_tokens, enter_demo_staff
from warmflow_gateway.platform import create_platform_app


def _progress(done: int, total: int) -> None:
    print(f"\r成员档案 {done}/{total}", end="", file=sys.stderr, flush=True)


async def load_reference(settings: WarmflowSettings) -> None:
    """The counties' root organisations (reference data), idempotent; nothing else."""
    app = create_platform_app(settings)
    async with app.router.lifespan_context(app):
        await ensure_root_organisations(_registry(app.state.services))
    print("已载入三县（区）党委及流动党员综合党委等根组织", file=sys.stderr)


async def load_partner_data(settings: WarmflowSettings, data: dict[str, Any]) -> dict[str, int]:
    """A partner county's record, tree and sites (the JSON of ``warmflow partner``), idempotent."""
    app = create_platform_app(settings)
    async with app.router.lifespan_context(app):
        return await load_partner(_registry(app.state.services), data)


def run_partner(path: Path) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        added = asyncio.run(load_partner_data(WarmflowSettings(service="gateway"), data))
    except (OSError, ValueError) as exc:  # a missing file, bad JSON or a record that breaks a rule
        print(f"无法登记合作县（区）：{exc}", file=sys.stderr)
        return 2
    print(f"新增组织 {added['organisations']} 个、暖流之家 {added['sites']} 个", file=sys.stderr)
    return 0


def run_reference() -> int:
    asyncio.run(load_reference(WarmflowSettings(service="gateway")))
    return 0


async def seed(settings: WarmflowSettings, members: int, *, activity: bool = True) -> int:
    app = create_platform_app(settings)
    async with app.router.lifespan_context(app):
        registry = _registry(app.state.services)
        await seed_structure(registry)
        added = await seed_members(registry, members, _progress)
        await enter_demo_staff(app)
        done = await _activity(app) if activity else Seeded()
    total = members + len(demo_members(date.today()))
    print(f"\n新增 {added} 名党员档案（共 {total} 名演示党员）", file=sys.stderr)
    if done.classes:
        lessons = f"学员 {done.class_members} 名，已上课 {done.lessons} 次"
        print(f"新增暖流成长营演示班次 {done.classes} 个（{lessons}）", file=sys.stderr)
    if done.cases:
        print(f"新增组织关系转接演示案件 {done.cases} 件", file=sys.stderr)
    return added


async def _activity(app: Any) -> Seeded:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
        tokens = await demo_tokens(client, ("yuhang-admin", "yuexi-admin"))
        return await seed_activity(client, tokens)


def _registry(services: list[object]) -> Registry:
    for service in services:
        registry = getattr(getattr(service, "app").state, "registry", None)  # noqa: B009
        if isinstance(registry, Registry):
            return registry
    raise RuntimeError("the registry service is not mounted")


def run_seed(members: int, *, activity: bool = True) -> int:
    settings = WarmflowSettings(service="gateway")
    asyncio.run(seed(settings, members, activity=activity))
    return 0
