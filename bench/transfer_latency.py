"""End-to-end latency: a transfer's acceptance until the member's file in the registry shows the
new home, vs a bare three-hop aiokafka chain on the same broker at the same offered rate.

Subject: the transfers and registry services built by their own ``bootstrap()`` around one
``KafkaBus`` (as the embedded gateway runs them), stores in fresh databases (the embedded SQLite
store by default, FerretDB with ``WARMFLOW_BENCH_TRANSFER_STORE=mongodb``), fresh consumer
groups started at the topics' ends. Clock: from the start of ``POST
/cases/{id}/accept`` (in process, ASGI) until the registry's consumer has stored the change (its
handler returned: the member document, its applied event id and its HomeOrganisationChanged
in one write). Path: case saved with TransferAccepted in its outbox → outbox relay → Kafka
(``warmflow.transfers.case``) → registry consumer → member saved.
Saturation: S accepts with C in flight; rate = S / (first start → quiet again: every effect
stored, both outboxes empty, no consumer lag — so the follow-on work of each acceptance, the
registry's HomeOrganisationChanged and its consumers, is paid for). Latency runs offer half that
rate, open loop (accept i starts at i / rate), after the set-up's events have drained.
Baseline: producer → consumer/producer → consumer/producer → consumer over three fresh
topics (KafkaBus's producer options, ``getmany`` with its max_records, a commit per batch),
same rate and count; latency from the first send to the last consumer's receipt.
Ratios: subject p50 / baseline p50 (target ≤ 3), subject p99 / baseline p99 (target ≤ 4).
"""

from __future__ import annotations

import asyncio
import itertools
import operator
import os
import random
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from warmflow_registry.bootstrap import bootstrap as registry_bootstrap
from warmflow_registry.config import RegistrySettings
from warmflow_registry.domain.idnumber import check_character
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.principal import County
from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.port import Subscription
from warmflow_shared.events.catalog.transfers import TransferAccepted
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.kafka_groups import start_at_end
from warmflow_transfers.bootstrap import bootstrap as transfers_bootstrap
from warmflow_transfers.config import TransfersSettings
from warmflow_transfers.service_layer.context import Transfers

from bench._support import BUS_SETTINGS, Comparison, Config, producer_options, topics, unique

SATURATION_IN_FLIGHT = 16
Latencies = list[float]


def percentile(values: Latencies, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def paced(count: int, rate: float, start: Callable[[int], Coroutine[Any, Any, None]]) -> None:
    """Open loop: item i starts at i / rate whether or not earlier ones have finished."""
    began, tasks = time.perf_counter(), list[asyncio.Task[None]]()
    for i in range(count):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(start(i)))
    await asyncio.gather(*tasks)


async def _stage(
    servers: str, source: str, sink: str | None, count: int, seen: Callable[[bytes], None] | None
) -> tuple[AIOKafkaConsumer, AIOKafkaProducer | None, asyncio.Task[None]]:
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=servers, group_id=unique("chain"),
        enable_auto_commit=False, auto_offset_reset="earliest",
    )  # fmt: skip
    producer = None
    if sink is not None:
        producer = AIOKafkaProducer(bootstrap_servers=servers, **producer_options())
        await producer.start()
    await consumer.start()

    async def run() -> None:
        done = 0
        while done < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=BUS_SETTINGS.max_records)
            records = [r for batch in batches.values() for r in batch]
            if producer is not None and sink is not None:
                sent = [await producer.send(sink, r.value, key=r.key) for r in records]
                await asyncio.gather(*sent)
            for record in records:
                if seen is not None:
                    seen(record.value)
            if records:
                await consumer.commit()
            done += len(records)

    return consumer, producer, asyncio.create_task(run())


async def baseline(servers: str, rate: float, count: int) -> Latencies:
    names = [unique("benchchain") for _ in range(3)]
    sent: dict[bytes, float] = {}
    arrived: dict[bytes, float] = {}

    def last(value: bytes) -> None:
        arrived[value] = time.perf_counter()

    async with topics(servers, names):
        stages = [await _stage(servers, names[i], names[i + 1], count, None) for i in range(2)]
        stages.append(await _stage(servers, names[2], None, count, last))
        while not all(c.assignment() for c, _, _ in stages):  # noqa: ASYNC110 - group joins
            await asyncio.sleep(0.01)
        producer = AIOKafkaProducer(bootstrap_servers=servers, **producer_options())
        await producer.start()

        async def send(i: int) -> None:
            value = f"{i:08d}".encode()
            sent[value] = time.perf_counter()
            await producer.send_and_wait(names[0], value, key=value)

        try:
            await paced(count, rate, send)
            await asyncio.wait_for(asyncio.gather(*(t for _, _, t in stages)), 120)
        finally:
            await producer.stop()
            for consumer, forward, task in stages:
                task.cancel()
                await consumer.stop()
                if forward is not None:
                    await forward.stop()
    return [arrived[v] - sent[v] for v in sent]


# Subject: the two services ------------------------------------------------------------------


class Services:
    """transfers + registry around one KafkaBus, in fresh databases and fresh consumer groups."""

    def __init__(self, config: Config, data_dir: Path) -> None:
        prefix = unique("benchxfer")
        common: dict[str, Any] = {
            "storage_backend": STORE, "mongodb_url": config.mongodb_url,
            "bus_backend": "kafka", "kafka_bootstrap_servers": config.kafka,
            "data_dir": data_dir, "log_json": True,
        }  # fmt: skip
        self.settings = TransfersSettings(**common, transfers_store=prefix)
        self.bus = KafkaBus(config.kafka, client_id=prefix)
        self.transfers = transfers_bootstrap(self.settings, bus=self.bus)
        registry_settings = RegistrySettings(**common, registry_store=f"{prefix}_registry")
        self.registry = registry_bootstrap(registry_settings, bus=self.bus)
        self.stored: dict[str, asyncio.Future[float]] = {}
        # where the time goes: per case, when each step of the path finished
        self.marks: dict[str, dict[str, float]] = defaultdict(dict)
        publish = self.bus.publish

        async def published(topic: str, envelopes: Sequence[Envelope]) -> None:
            await publish(topic, envelopes)
            for envelope in envelopes:
                if envelope.type == ACCEPTED:
                    self.marks[envelope.subject]["published"] = time.perf_counter()

        setattr(self.bus, "publish", published)  # noqa: B010 - a timing hook on this instance
        self.groups: dict[str, tuple[str, ...]] = {}
        for service in (self.registry, self.transfers):
            subs = service.runtime.subscriptions
            subs[:] = [self._own(s) for s in subs]
            self.groups |= {s.group: s.topics for s in subs}

    def _own(self, sub: Subscription) -> Subscription:
        """The stores are fresh, hence so are the groups; the member group's handler is timed."""
        if sub.group != self.registry.runtime.group("members"):
            return sub

        async def handle(envelope: Envelope) -> None:
            self.marks[envelope.subject].setdefault("received", time.perf_counter())
            await sub.handle(envelope)
            waiter = self.stored.get(envelope.subject)
            if envelope.type == ACCEPTED and waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

        return replace(sub, handle=handle)

    async def __aenter__(self) -> Services:
        await start_at_end(self.settings.kafka_bootstrap_servers or "", self.groups)
        for service in (self.registry, self.transfers):
            await service.runtime.prepare()
        await self.bus.start()
        for service in (self.registry, self.transfers):
            await service.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for service in (self.transfers, self.registry):
            await service.stop()
        await self.bus.stop()
        for service in (self.transfers, self.registry):
            await service.close()


class World:
    def __init__(self, services: Services) -> None:
        self.s, uid = services, unique("")
        self.home, self.receiver, self.branch = f"yx-br-{uid}", f"yh-ld-{uid}", f"yh-br-{uid}"
        self.registry = _client(services.registry.app)
        self.transfers = _client(services.transfers.app)
        self.yuexi, self.yuhang = self._who("yuexi"), self._who("yuhang")

    def _who(self, county: County) -> dict[str, str]:
        token = mint_token(
            "county_admin", county, subject=f"bench-{county}", settings=self.s.settings
        )
        return {"Authorization": f"Bearer {token}"}

    async def organisations(self) -> None:
        code = self.home[-6:].upper()
        for org_id, kind, parent, county, who in (
            (self.home, "branch", "yuexi-county-committee", "yuexi", self.yuexi),
            (self.receiver, "mobile", "yuhang-county-committee", "yuhang", self.yuhang),
            (self.branch, "branch", self.receiver, "yuhang", self.yuhang),
        ):
            body = {"id": org_id, "code": f"{kind[0].upper()}{county[:2].upper()}{code}",
                    "name": "岳西县某村党支部" if county == "yuexi" else "余杭区某流动党员党支部",
                    "type_code": kind, "parent_id": parent, "county": county}  # fmt: skip
            await _ok(self.registry.post("/organisations", json=body, headers=who), 201)
        ctx = self.s.transfers.app.state.transfers
        await _until(lambda: ctx.organisations.get(self.branch))

    async def members(self, count: int) -> list[str]:
        gate, dues = asyncio.Semaphore(8), datetime.now(UTC).astimezone(ZONE).strftime("%Y-%m")

        async def one(i: int) -> str:
            born = date(1975, 1, 1) + timedelta(days=i % 7000)
            first17 = f"341828{born:%Y%m%d}{random.randint(0, 999):03d}"
            profile = {**PROFILE, "birth_date": born.isoformat(), "dues_paid_until": dues}
            body = {"id_number": first17 + check_character(first17), "home_org_id": self.home,
                    "profile": profile}  # fmt: skip
            async with gate:
                made = await _ok(self.registry.post("/members", json=body, headers=self.yuexi), 201)
            return str(made["id"])

        return list(await asyncio.gather(*(one(i) for i in range(count))))

    async def cases(self, members: list[str]) -> list[str]:
        """One case walked to ``reported`` over HTTP, then copied (one insert each) per member."""
        ctx: Transfers = self.s.transfers.app.state.transfers
        await _until(lambda: ctx.members.get(members[0]))
        body = {
            "member_id": members[0],
            "receiving_org_id": self.receiver,
            "reason": "在余杭长期工作",
        }
        case = await _ok(self.transfers.post("/cases", json=body, headers=self.yuexi), 201)
        for action, who, extra in WALK:
            if action == "report":  # the number on the letter the member hands over
                extra = {"serial_number": case["letter"]["serial_number"]}
            step = self.transfers.post(
                f"/cases/{case['id']}/{action}",
                json=extra,
                headers=self.yuexi if who == "yuexi" else self.yuhang,
            )
            case = await _ok(step, 200)
        template = await ctx.cases.load(case["id"])
        assert template is not None and template.state["status"] == "reported"
        ids = [case["id"]]
        for member in members[1:]:
            ids.append(f"tr-{uuid.uuid4().hex}")
            await ctx.cases.save(
                ids[-1], {**template.state, "id": ids[-1], "member_id": member}, expected=None
            )
        return ids

    async def accept(self, case_id: str) -> float:
        """Start the accept request; returns when it answered, with the time it started."""
        self.s.stored[case_id] = asyncio.get_running_loop().create_future()
        began = time.perf_counter()
        body = {"branch_id": self.branch}
        url = f"/cases/{case_id}/accept"
        await _ok(self.transfers.post(url, json=body, headers=self.yuhang), 200)
        self.s.marks[case_id] |= {"began": began, "answered": time.perf_counter()}
        return began

    async def latency(self, case_id: str) -> float:
        """Seconds from the start of the accept request until the registry stored the change."""
        began = await self.accept(case_id)
        return await asyncio.wait_for(self.s.stored[case_id], 120) - began


async def settle(services: Services, registered: int) -> None:
    """Let the registrations' events drain first: their consumers share this process and store."""
    members = services.transfers.app.state.transfers.members.collection

    async def quiet() -> bool:
        if await members.count({}) < registered:
            return False
        for service in (services.registry, services.transfers):
            relay = service.runtime.relay
            if relay is None or await relay.backlog():
                return False
        return not any(services.bus.consumer_lag().values())

    await _until(quiet, 120)


async def saturation(world: World, cases: list[str]) -> float:
    """Accepts per second the services carry, C requests in flight, counted until every effect
    (the registry's store, its HomeOrganisationChanged and that event's consumers) is done."""
    gate = asyncio.Semaphore(SATURATION_IN_FLIGHT)

    async def one(case_id: str) -> None:
        async with gate:
            await world.accept(case_id)

    began = time.perf_counter()
    await asyncio.gather(*(one(c) for c in cases))
    await asyncio.wait_for(asyncio.gather(*(world.s.stored[c] for c in cases)), 300)
    await settle(world.s, 0)
    return len(cases) / (time.perf_counter() - began)


async def subject(world: World, cases: list[str], rate: float) -> Latencies:
    latencies: Latencies = [0.0] * len(cases)

    async def one(i: int) -> None:
        latencies[i] = await world.latency(cases[i])

    await paced(len(cases), rate, one)
    _steps([world.s.marks[c] for c in cases])
    return latencies


async def run(config: Config) -> dict[str, dict[str, Any]]:
    rounds, seconds = config.rounds, 2.0 if config.quick else 4.0
    with tempfile.TemporaryDirectory() as tmp:
        async with Services(config, Path(tmp)) as services:
            world = World(services)
            await world.organisations()
            warm = await world.cases(await world.members(60 if config.quick else 120))
            await settle(services, len(warm))
            rate = await saturation(world, warm[1:])
            offered = rate / 2
            count = max(40, min(400, int(offered * seconds)))
            print(
                f"    saturation {rate:,.1f} accepts/s; offering {offered:,.1f}/s, {count} per run"
            )
            cases = await world.cases(await world.members(1 + rounds * count))
            await settle(services, len(warm) + len(cases))
            p50, p99 = _comparisons(count, rate, offered)
            for index in range(rounds):
                base = await baseline(config.kafka, offered, count)
                mine = await subject(
                    world, cases[1 + index * count : 1 + (index + 1) * count], offered
                )
                for comparison, share in ((p50, 0.5), (p99, 0.99)):
                    b, m = 1000 * percentile(base, share), 1000 * percentile(mine, share)
                    comparison.add(b, m, m / b)
                _round(index, p50, p99)
    p50.report()
    p99.report()
    return {p50.name: p50.summary(), p99.name: p99.summary()}


def _steps(marks: list[dict[str, float]]) -> None:
    """Median time per step; the relay may learn of its own acknowledgement after the registry
    stored the change, so cases whose marks are not all in yet are left out."""
    names = ("began", "answered", "published", "received")
    complete = [m for m in marks if all(n in m for n in names)]
    spans = [
        f"{a}→{b} {1000 * percentile([m[b] - m[a] for m in complete], 0.5):.1f}"
        for a, b in itertools.pairwise(names)
    ]
    print(f"    transfer p50 by step (ms, {len(complete)} cases): {', '.join(spans)}", flush=True)


def _round(index: int, p50: Comparison, p99: Comparison) -> None:
    print(
        f"    round {index + 1}: p50 chain {p50.baseline[-1]:.1f} ms,"
        f" transfer {p50.subject[-1]:.1f} ms; p99 chain {p99.baseline[-1]:.1f} ms,"
        f" transfer {p99.subject[-1]:.1f} ms",
        flush=True,
    )


def _comparisons(count: int, rate: float, offered: float) -> tuple[Comparison, Comparison]:
    notes = {"saturation_per_s": round(rate, 2), "offered_per_s": round(offered, 2),
             "store": STORE, "bus": "kafka"}  # fmt: skip
    made = []
    for name, target, limit in (("transfer_p50", "≤ 3x", 3.0), ("transfer_p99", "≤ 4x", 4.0)):
        share = name[-3:]
        definition = f"{share} latency(accept → registry file) / {share} latency(3-hop chain)"
        made.append(
            Comparison(
                name=name,
                unit="ms",
                target=target,
                target_ok=partial(operator.ge, limit),
                ratio_definition=definition,
                size={"messages": count},
                notes=notes,
            )
        )
    return made[0], made[1]


# Helpers ----------------------------------------------------------------------------------------

ACCEPTED = TransferAccepted.wire_name
# sqlite (the embedded store, the default) or mongodb (FerretDB); the bus is always real Kafka.
# The shared FerretDB serialises conditional writes and serves every suite on the machine: the
# default run would not fit its minute there (docs/benchmarks.md).
STORE = os.environ.get("WARMFLOW_BENCH_TRANSFER_STORE", "sqlite")
ZONE = timezone(timedelta(hours=8))
WALK: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("approve", "yuexi", {}), ("issue-letter", "yuexi", {}),
    ("paper-letter", "yuexi", {"on": datetime.now(ZONE).date().isoformat()}),
    ("report", "yuhang", {}),
)  # fmt: skip
PROFILE = {
    "name": "储小燕", "gender": "女", "ethnicity": "汉族", "phone": "13905561234",
    "education": "本科", "joined_on": "2013-06-30", "full_member_on": "2014-06-30",
    "party_status": "full", "employer": "杭州某电商公司", "post": "运营",
    "residence": "浙江省杭州市余杭区仓前街道", "household_registration": "安徽省安庆市岳西县",
}  # fmt: skip


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def _ok(request: Awaitable[httpx.Response], status: int) -> Any:
    response = await request
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


async def _until(probe: Callable[[], Awaitable[Any]], limit: float = 60) -> None:
    async def poll() -> None:
        while not await probe():  # noqa: ASYNC110 - polls durable state, bounded
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), limit)
