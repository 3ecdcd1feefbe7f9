"""The ops routes for dead letters: paged newest first, replay and discard (one or all), `ops`
only, audited, errors as Chinese problem details."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.bus.port import RetryPolicy, Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.metrics import REGISTRY
from warmflow_shared.ops_routes import ops_router
from warmflow_shared.scrape import scrape_hooks
from warmflow_shared.service import Service, open_runtime, standalone_lifespan
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.web.app import create_service_app

GROUP, TOPIC = "ops-test", "warmflow.test.things"
LETTERS = "/ops/dead-letters"


@dataclass
class Setup:
    client: httpx.AsyncClient
    runtime: Service
    applied: list[tuple[str, int]]
    fixed: set[str]
    ops: dict[str, str]
    auditor: dict[str, str]
    admin: dict[str, str]


def _auth(settings: WarmflowSettings, role: str, county: str | None = None) -> dict[str, str]:
    token = mint_token(role, county, subject=f"{role}-1", settings=settings)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    settings = WarmflowSettings(service="opsy", data_dir=tmp_path)
    runtime = open_runtime(settings, "opsy")
    applied: list[tuple[str, int]] = []
    fixed: set[str] = set()

    async def handle(env: Envelope) -> None:
        if env.data.get("poison") and env.subject not in fixed:
            raise ValueError("无法处理")
        applied.append((env.subject, env.data["seq"]))

    retry = RetryPolicy(attempts=2, first_delay=0.001, max_delay=0.001)
    runtime.subscriptions.append(Subscription(GROUP, (TOPIC,), handle, retry=retry))
    app = create_service_app(
        title="opsy",
        service="opsy",
        routers=[ops_router(runtime)],
        settings=settings,
        registry=CollectorRegistry(),
        lifespan=standalone_lifespan(runtime),
    )
    service = Service("opsy", runtime, app)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield Setup(
                client,
                service,
                applied,
                fixed,
                _auth(settings, "ops"),
                _auth(settings, "auditor"),
                _auth(settings, "county_admin", "yuhang"),
            )


async def _poison(setup: Setup, subjects: list[str]) -> list[dict[str, Any]]:
    """Each subject: a poison event then a good one; waits until all are lettered."""
    envs = [
        e
        for s in subjects
        for e in (
            Envelope("test.Happened", 1, "tests", s, {"seq": 0, "poison": True}),
            Envelope("test.Happened", 1, "tests", s, {"seq": 1}),
        )
    ]
    await setup.runtime.runtime.bus.publish(TOPIC, envs)
    return await _until(setup, lambda page: page["total"] == len(envs))


async def _until(
    setup: Setup, done: Callable[[dict[str, Any]], bool], within: float = 30.0
) -> list[dict[str, Any]]:
    """Bounded polling of the list until the consumer has done its part."""
    deadline = time.monotonic() + within
    while True:
        answer = await setup.client.get(LETTERS, params={"group": GROUP}, headers=setup.ops)
        page: dict[str, Any] = answer.json()
        if done(page):
            return list(page["items"])
        if time.monotonic() > deadline:
            raise AssertionError(page)
        await asyncio.sleep(0.05)


async def test_listed_newest_first_with_paging(setup: Setup) -> None:
    await _poison(setup, ["a", "b", "c"])
    first = (
        await setup.client.get(LETTERS, params={"group": GROUP, "size": 4}, headers=setup.ops)
    ).json()
    second = (
        await setup.client.get(
            LETTERS, params={"group": GROUP, "size": 4, "page": 2}, headers=setup.ops
        )
    ).json()
    assert (first["total"], first["page"], first["size"], len(first["items"])) == (6, 1, 4, 4)
    assert len(second["items"]) == 2
    times = [x["failed_at"] for x in first["items"] + second["items"]]
    assert times == sorted(times, reverse=True)
    kinds: dict[str, set[str]] = {}
    for item in first["items"] + second["items"]:
        kinds.setdefault(item["key"], set()).add(item["kind"])
    assert all(v == {"dead", "parked"} for v in kinds.values())


async def _waiting_at_scrape() -> float | None:
    """What Prometheus reads: the unresolved letters of the group, refreshed at the scrape."""
    await scrape_hooks().run()
    return REGISTRY.get_sample_value("warmflow_opsy_dead_letters_waiting", {"group": GROUP})


async def test_replay_one_after_a_fix_then_discard_all(setup: Setup) -> None:
    items = await _poison(setup, ["a", "b"])
    assert await _waiting_at_scrape() == 4
    dead_a = next(x for x in items if x["key"] == "a" and x["kind"] == "dead")
    setup.fixed.add("a")
    url = f"{LETTERS}/{dead_a['letter_id']}/replay"
    answer = await setup.client.post(url, params={"group": GROUP}, headers=setup.ops)
    assert answer.status_code == 202
    assert answer.json() == {
        "group": GROUP,
        "action": "replay",
        "letter_ids": [dead_a["letter_id"]],
    }
    await _until(setup, lambda page: page["total"] == 2)
    assert setup.applied == [("a", 0), ("a", 1)]

    bulk = await setup.client.post(f"{LETTERS}/discard", params={"group": GROUP}, headers=setup.ops)
    assert bulk.status_code == 202 and len(bulk.json()["letter_ids"]) == 1
    await _until(setup, lambda page: page["total"] == 0)
    assert setup.applied[-1] == ("b", 1) and ("b", 0) not in setup.applied
    assert await _waiting_at_scrape() == 0

    audit = await setup.client.get(
        "/audit", params={"action": "dead-letters.replay"}, headers=setup.auditor
    )
    [entry] = audit.json()["items"]
    assert entry["fields"] == [dead_a["letter_id"]] and entry["member_ids"] == ["a"]
    assert entry["subject"] == "ops-1" and entry["result"] == "accepted"
    discards = await setup.client.get(
        "/audit", params={"action": "dead-letters.discard"}, headers=setup.auditor
    )
    assert discards.json()["items"][0]["member_ids"] == ["b"]


async def test_the_waiting_gauge_reads_the_letter_log_once_a_minute_and_after_an_order(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At every scrape each group's letter log was read (0.25-0.7 s on Kafka)."""
    items = await _poison(setup, ["a", "b"])
    assert await _waiting_at_scrape() == 4
    bus = setup.runtime.runtime.bus
    reads: list[str] = []
    read_log = bus.dead_letter_log

    async def counted(group: str, *args: Any) -> Any:
        reads.append(group)
        return await read_log(group, *args)

    monkeypatch.setattr(bus, "dead_letter_log", counted)
    assert await _waiting_at_scrape() == 4
    assert reads == []  # read a moment ago, nothing ordered since
    setup.fixed.add("a")
    dead_a = next(x for x in items if x["key"] == "a" and x["kind"] == "dead")
    url = f"{LETTERS}/{dead_a['letter_id']}/replay"
    assert (await setup.client.post(url, params={"group": GROUP}, headers=setup.ops)).is_success
    await _until(setup, lambda page: page["total"] == 2)
    reads.clear()
    assert await _waiting_at_scrape() == 2  # after an order, read again at once
    assert reads == [GROUP]


async def test_refusals_are_chinese_problems(setup: Setup) -> None:
    items = await _poison(setup, ["a"])
    parked = next(x for x in items if x["kind"] == "parked")
    dead = next(x for x in items if x["kind"] == "dead")
    waiting = await setup.client.post(
        f"{LETTERS}/{parked['letter_id']}/replay", params={"group": GROUP}, headers=setup.ops
    )
    assert waiting.status_code == 409
    assert waiting.headers["content-type"].startswith("application/problem+json")
    assert dead["letter_id"] in waiting.json()["detail"]
    missing = await setup.client.post(
        f"{LETTERS}/t:0:999/discard", params={"group": GROUP}, headers=setup.ops
    )
    assert missing.status_code == 404 and "待处理死信" in missing.json()["detail"]
    unknown = await setup.client.post(
        f"{LETTERS}/replay", params={"group": "nope"}, headers=setup.ops
    )
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    bad_action = await setup.client.post(
        f"{LETTERS}/{dead['letter_id']}/purge", params={"group": GROUP}, headers=setup.ops
    )
    assert bad_action.status_code == 422
    for who in (setup.admin, setup.auditor):
        refused = await setup.client.post(f"{LETTERS}/replay", params={"group": GROUP}, headers=who)
        assert refused.status_code == 403
    assert setup.applied == []
