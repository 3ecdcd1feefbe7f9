"""Notify: notices produced per second from a burst of events into the in-app channel, against a
raw insert of the same notice documents into the same store.

Per round and store (``notify_embedded``: SQLite; ``notify_ferretdb``: FerretDB), a fresh
database gets two organisations, a secretary of each in notify's staff directory and E members
projected through notify's own handler (untimed). Subject: a burst of E
``registry.OutflowRegistered`` envelopes handed one after another to ``Planner.handle`` (what
notify's consumer calls per event) with only the in-app channel on: 3 notices per event (the
member, the outflow and the inflow secretary), each rendered from its Chinese template and
stored once per (event, recipient, channel), after the member's projection has taken the event
(notify keeps its copy of every member event, the event id in the same write: exactly once).

Two baselines, on the same store, each into fresh collections carrying the same indexes:
- **hand** (the target): a minimal hand-written notify doing the same job with the storage
  port — per event, the member's projection read and conditionally updated (its new standing
  and the event id, one write) while the member's preferences are read, then the subject's
  very notices inserted (an event's 3 in one ``insert_many``). Ratio = subject
  notices/s / hand notices/s; target >= 0.5.
- **insert** (``….vs_insert``): those notices alone, inserted the same way, nothing read and no
  projection kept: the store's limit, reported without a target.
The subject runs first in each round (the baselines need its documents), then hand, then insert.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Literal

from warmflow_notify.bootstrap import Notify, build
from warmflow_notify.config import NotifySettings
from warmflow_notify.service_layer.notices import NOTICE_INDEXES
from warmflow_shared.agreements import MANAGEMENT
from warmflow_shared.bus.inprocess import InProcessBus
from warmflow_shared.events.catalog import registry
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.outbox.store import OUTBOX_INDEXES
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.service import open_runtime
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.port import Document, Update

from bench._support import Comparison, Config, unique

Backend = Literal["sqlite", "mongodb"]
STORES: dict[str, Backend] = {"notify_embedded": "sqlite", "notify_ferretdb": "mongodb"}
NOTICES_PER_EVENT = 3
SIDES: dict[str, Any] = {
    "outflow_org_id": "orgyuexi",
    "outflow_county": "yuexi",
    "inflow_org_id": "orgyuhang",
    "inflow_county": "yuhang",
}


def _env(event: IntegrationEvent, subject: str) -> Envelope:
    return event.to_envelope(subject=subject, producer="registry")


def _organisations() -> list[Envelope]:
    orgs = [
        registry.OrganisationCreated(
            org_id=org, code="001", name=name, type_code="631", county=county, province=province
        )
        for org, name, county, province in (
            ("orgyuexi", "岳西县某村党支部", "yuexi", "安徽省"),
            ("orgyuhang", "余杭区流动党员综合党委", "yuhang", "浙江省"),
        )
    ]
    return [_env(o, o.org_id) for o in orgs]


def _agreement() -> Envelope:
    terms = registry.AgreementActivated(
        agreement_id="agr-bench",
        parties=["yuexi", "yuhang"],
        county="yuexi",
        purposes=[MANAGEMENT],
        fields={MANAGEMENT: []},
        valid_from=date(2026, 1, 1),
        valid_until=date(2036, 1, 1),
    )
    return _env(terms, terms.agreement_id)


def _members(members: list[str]) -> list[Envelope]:
    people = [
        registry.MemberRegistered(
            member_id=m,
            name="张晓梅",
            phone="13800138000",
            email=f"{m}@example.cn",
            mobile_status="outflow",
            **SIDES,
        )
        for m in members
    ]
    return [_env(p, p.member_id) for p in people]


def _burst(members: list[str]) -> list[Envelope]:
    return [
        _env(
            registry.OutflowRegistered(
                member_id=m,
                card_number="LD2026001",
                reason_code="1",
                destination="杭州市余杭区",
                expected_months=12,
                registered_on=date(2026, 11, 1),
                check_in_due=date(2026, 12, 1),
                **SIDES,
            ),
            m,
        )
        for m in members
    ]


async def _open(backend: Backend, config: Config, data_dir: Path) -> tuple[ServiceRuntime, Notify]:
    settings = NotifySettings(
        storage_backend=backend,
        mongodb_url=config.mongodb_url if backend == "mongodb" else None,
        data_dir=data_dir,
        notify_webhooks_enabled=False,  # no senders: the in-app channel only
    )
    runtime = open_runtime(settings, unique("benchnotify"), bus=InProcessBus(data_dir / "b.db"))
    service = build(settings, runtime)
    await runtime.prepare()
    notify: Notify = service.app.state.notify
    for env in _organisations():
        await notify.planner.handle(env)
    # The inflow county's staff see an outflow member only under a data-sharing agreement.
    await notify.planner.handle(_agreement())
    for org, county in (("orgyuexi", "yuexi"), ("orgyuhang", "yuhang")):
        fields = {"name": "王书记", "county": county, "org_id": org}
        await notify.admin.directory.put_staff(f"staff-{org}", fields)
    return runtime, notify


async def _round(backend: Backend, config: Config, events: int) -> tuple[float, float, float]:
    """One round's notices/s: subject, hand, insert."""
    with tempfile.TemporaryDirectory() as tmp:
        runtime, notify = await _open(backend, config, Path(tmp))
        try:
            members = [unique("m") for _ in range(events)]
            for env in _members(members):
                await notify.planner.handle(env)
            projected = await runtime.store.collection("members").find()
            burst = _burst(members)
            subject = await _subject(notify, burst)
            groups = await _notices_by_event(runtime, burst)
            hand = await _hand(runtime, burst, groups, projected)
            insert = await _insert(runtime, groups)
        finally:
            await _drop(runtime)
    return subject, hand, insert


async def _subject(notify: Notify, burst: list[Envelope]) -> float:
    start = time.perf_counter()
    for env in burst:
        await notify.planner.handle(env)
    elapsed = time.perf_counter() - start
    stored = await notify.planner.writer.store.collection.count()
    assert stored == NOTICES_PER_EVENT * len(burst), f"{stored} notices stored"
    return stored / elapsed


async def _notices_by_event(runtime: ServiceRuntime, burst: list[Envelope]) -> list[list[Document]]:
    """The subject's notices, grouped by event in the burst's order."""
    by_event: dict[str, list[Document]] = {}
    for doc in await runtime.store.collection("notices").find():
        by_event.setdefault(doc["state"]["event_id"], []).append(doc)
    return [by_event[env.event_id] for env in burst]


async def _hand(
    runtime: ServiceRuntime,
    burst: list[Envelope],
    groups: list[list[Document]],
    projected: list[Document],
) -> float:
    """The same job written by hand: per event, the member's projection read and written (its
    new standing with the event id, conditional on the version read) while the member's
    preferences are read, then the event's notices inserted in one call."""
    store = runtime.store
    members = store.collection("members_hand")
    await members.ensure_indexes(OUTBOX_INDEXES)
    await members.insert_many(projected)
    preferences = store.collection("preferences")
    notices = store.collection("notices_hand")
    await notices.ensure_indexes([*OUTBOX_INDEXES, *NOTICE_INDEXES])

    async def project(env: Envelope) -> None:
        member_id = env.data["member_id"]
        member = await members.get(member_id)
        assert member is not None
        state = {**member["state"], **{k: env.data.get(k) for k in registry.MEMBER_SIDES}}
        change = Update(set={"state": state}, push={"_applied": [env.event_id]})
        missed = await members.update_each([(member_id, member["version"], change)])
        assert not missed, missed

    start = time.perf_counter()
    for env, group in zip(burst, groups, strict=True):
        await asyncio.gather(project(env), preferences.get(env.data["member_id"]))
        await notices.insert_many(group)
    elapsed = time.perf_counter() - start
    stored = await notices.count()
    assert stored == sum(len(g) for g in groups)
    return stored / elapsed


async def _insert(runtime: ServiceRuntime, groups: list[list[Document]]) -> float:
    """The subject's very notices, inserted as the subject inserts them: event after event,
    an event's notices in one ``insert_many``; nothing read, no projection kept."""
    raw = runtime.store.collection("notices_raw")
    await raw.ensure_indexes([*OUTBOX_INDEXES, *NOTICE_INDEXES])
    start = time.perf_counter()
    for group in groups:
        await raw.insert_many(group)
    elapsed = time.perf_counter() - start
    stored = await raw.count()
    assert stored == sum(len(g) for g in groups)
    return stored / elapsed


async def _drop(runtime: ServiceRuntime) -> None:
    store = runtime.store
    if isinstance(store, MongoStore):
        await store.client.drop_database(store.database.name)
    await store.close()


async def run(config: Config) -> dict[str, dict[str, Any]]:
    events = 40 if config.quick else 200
    results: dict[str, dict[str, Any]] = {}
    size = {"events": events, "notices": NOTICES_PER_EVENT * events}
    for name, backend in STORES.items():
        hand = Comparison(
            name=name,
            unit="notice/s",
            ratio_definition="subject notices/s / hand-written notify notices/s (same store)",
            target=">= 0.5",
            target_ok=lambda ratio: ratio >= 0.5,
            size=size,
        )
        insert = Comparison(
            name=f"{name}.vs_insert",
            unit="notice/s",
            ratio_definition="subject notices/s / raw insert notices/s (same documents, store)",
            target="none (the store's limit)",
            target_ok=lambda ratio: True,
            size=size,
        )
        for _ in range(config.rounds):
            subject, by_hand, inserted = await _round(backend, config, events)
            hand.add(by_hand, subject, subject / by_hand)
            insert.add(inserted, subject, subject / inserted)
        for comparison in (hand, insert):
            comparison.report()
            results[comparison.name] = comparison.summary()
    return results
