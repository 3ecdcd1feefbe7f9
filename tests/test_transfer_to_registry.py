"""Across services, through the gateway: a transfer done in `transfers` moves the member's file in
`registry`, exactly once, on the embedded default and on the real servers (FerretDB + Kafka).

One platform per backend for the module; every test makes its own organisations and member.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from warmflow_gateway.platform import create_platform_app
from warmflow_registry.domain.idnumber import check_character
from warmflow_registry.service_layer.context import Registry
from warmflow_shared.auth.cli import mint_token
from warmflow_shared.auth.principal import County, Role
from warmflow_shared.bus.port import EventBus, Subscription
from warmflow_shared.events.catalog import CATALOG
from warmflow_shared.events.catalog.transfers import CASE_TOPIC
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.service import Service
from warmflow_shared.testing.kafka_groups import start_at_end
from warmflow_shared.testing.polling import until
from warmflow_shared.testing.servers import (
    BACKEND_PAIRS,
    backend_options,
    unique_name,
    unique_service,
)
from warmflow_transfers.config import TransfersSettings
from warmflow_transfers.service_layer.context import Transfers

pytestmark = pytest.mark.asyncio(loop_scope="module")
T = TypeVar("T")
T0 = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in China: dues are due up to 2026-03
PAIRS = BACKEND_PAIRS
REG, TRA = "/api/registry", "/api/transfers"


@dataclass
class Platform:
    client: httpx.AsyncClient
    settings: TransfersSettings
    registry: Registry
    transfers: Transfers
    bus: EventBus
    cases: list[Envelope]  # what transfers really published, as a consumer received it

    def who(
        self, role: Role, county: County | None = None, member_id: str | None = None
    ) -> dict[str, str]:
        subject = f"{role}-{uuid.uuid4().hex[:6]}"
        token = mint_token(role, county, (), member_id, subject, settings=self.settings)
        return {"Authorization": f"Bearer {token}"}


def own_groups(services: Iterable[Service], prefix: str) -> dict[str, tuple[str, ...]]:
    """Fresh consumer groups for this platform: other runs' platforms use the default names on the
    shared broker at the same time, and would split a group's partitions with this one."""
    groups: dict[str, tuple[str, ...]] = {}
    for service in services:
        subscriptions = service.runtime.subscriptions
        subscriptions[:] = [replace(s, group=f"{prefix}.{s.group}") for s in subscriptions]
        groups |= {s.group: s.topics for s in subscriptions}
    return groups


def _settings(request: pytest.FixtureRequest, data_dir: Any) -> TransfersSettings:
    # digits are not allowed in store names; tests fire no deadlines, the clock stands at T0
    name = unique_service("xfer")
    common: dict[str, Any] = {"service": "gateway", "data_dir": data_dir, "transfers_store": name}
    common |= {"deadline_poll_seconds": 3600, "outbox_poll_seconds": 0.2}
    return TransfersSettings(**common, **backend_options(request, request.param))


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PAIRS)
async def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    settings = _settings(request, tmp_path_factory.mktemp("xfer"))
    recorder = unique_name("recorder")
    with pytest.MonkeyPatch.context() as env:
        # the service-specific variable, as a deployment would set it for the whole gateway
        env.setenv("WARMFLOW_TRANSFERS_STORE", settings.transfers_store)
        # the registry's database too: on the shared server the default one holds earlier runs'
        # members, whose due timers this platform would fire first
        env.setenv("WARMFLOW_REGISTRY_STORE", f"{settings.transfers_store}_registry")
        app = create_platform_app(settings)
    services = {s.name: s for s in app.state.services}
    assert (
        services["transfers"].app.state.transfers.settings.transfers_store
        == settings.transfers_store
    )
    if settings.bus_backend == "kafka":
        groups = own_groups(services.values(), recorder) | {recorder: (CASE_TOPIC,)}
        await start_at_end(str(settings.kafka_bootstrap_servers), groups)
    bus, cases = services["transfers"].runtime.bus, []

    async def record(envelope: Envelope) -> None:
        cases.append(envelope)

    bus.subscribe(Subscription(recorder, (CASE_TOPIC,), record))
    services["transfers"].app.state.clock.set(T0)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=180) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            ctx = services["transfers"].app.state.transfers
            yield Platform(
                client, settings, services["registry"].app.state.registry, ctx, bus, cases
            )
    for service in services.values():  # a late event may reopen a SQLite store: close it again
        await service.runtime.store.close()


@dataclass
class World:
    """A Yuexi (Anhui) branch at home; in Yuhang (Zhejiang) a mobile committee and its branch."""

    p: Platform
    home: str
    receiver: str
    branch: str

    @property
    def yuexi(self) -> dict[str, str]:
        return self.p.who("county_admin", "yuexi")

    @property
    def yuhang(self) -> dict[str, str]:
        return self.p.who("county_admin", "yuhang")

    async def register(self, dues: str) -> str:
        born = date.fromordinal(date(1970, 1, 1).toordinal() + random.randint(0, 365 * 24))
        first17 = f"341828{born:%Y%m%d}{random.randint(0, 999):03d}"
        number = first17 + check_character(first17)
        body = {"id_number": number, "home_org_id": self.home, "profile": profile(dues, born)}
        made = await self.p.client.post(f"{REG}/members", json=body, headers=self.yuexi)
        assert made.status_code == 201, made.text
        member_id: str = made.json()["id"]
        await self.known(member_id, dues)
        return member_id

    async def known(self, member_id: str, dues: str) -> None:
        """The transfers service learns members only from registry events: wait for it."""

        async def learnt() -> bool:
            state = await self.p.transfers.members.get(member_id)
            return bool(state and state.get("dues_paid_until") == dues)

        await until(learnt)

    async def step(
        self, case: dict[str, Any], action: str, headers: dict[str, str], body: Any = None
    ) -> httpx.Response:
        return await self.p.client.post(
            f"{TRA}/cases/{case['id']}/{action}", json=body or {}, headers=headers
        )

    async def file(self, member_id: str, headers: dict[str, str]) -> httpx.Response:
        return await self.p.client.get(f"{REG}/members/{member_id}", headers=headers)


def profile(dues: str, born: date) -> dict[str, Any]:
    return {
        "name": "储小燕", "gender": "女", "ethnicity": "汉族", "birth_date": born.isoformat(),
        "phone": "13905561234", "education": "本科", "joined_on": "2013-06-30",
        "full_member_on": "2014-06-30", "party_status": "full", "employer": "杭州某电商公司",
        "post": "运营", "residence": "浙江省杭州市余杭区仓前街道",
        "household_registration": "安徽省安庆市岳西县", "dues_paid_until": dues,
    }  # fmt: skip


@pytest_asyncio.fixture(loop_scope="module")
async def world(platform: Platform) -> World:
    uid = uuid.uuid4().hex[:8]
    w = World(platform, f"yx-br-{uid}", f"yh-ld-{uid}", f"yh-br-{uid}")
    for org_id, code, kind, parent, county, headers in (
        (w.home, f"YXB{uid}", "branch", "yuexi-county-committee", "yuexi", w.yuexi),
        (w.receiver, f"YHL{uid}", "mobile", "yuhang-county-committee", "yuhang", w.yuhang),
        (w.branch, f"YHB{uid}", "branch", w.receiver, "yuhang", w.yuhang),
    ):
        body = {
            "id": org_id,
            "code": code,
            "name": f"{code}党组织",
            "type_code": kind,
            "parent_id": parent,
            "county": county,
        }
        made = await platform.client.post(f"{REG}/organisations", json=body, headers=headers)
        assert made.status_code == 201, made.text
    await until(lambda: platform.transfers.organisations.get(w.branch))
    return w


SENDING = ("approve", "issue-letter", "paper-letter")
RECEIVING = ("report", "accept", "receipt")
BODIES: dict[str, dict[str, str]] = {
    "paper-letter": {"on": "2026-03-10"},
    "paper-receipt": {"on": "2026-03-10"},
}


async def test_a_cross_province_transfer_moves_the_member_file_exactly_once(world: World) -> None:
    w, p = world, world.p
    member_id = await w.register(dues="2026-03")
    body = {"member_id": member_id, "receiving_org_id": w.receiver, "reason": "在余杭长期工作"}
    applied = await p.client.post(
        f"{TRA}/cases", json=body, headers=p.who("member", "yuexi", member_id)
    )
    assert applied.status_code == 201, applied.text
    case = applied.json()
    assert (case["sending_code"], case["receiving_code"], case["cross_province"]) == (
        "241",
        "141",
        True,
    )
    for actions, headers in (
        (SENDING, w.yuexi),
        (RECEIVING, w.yuhang),
        (("paper-receipt", "complete"), w.yuexi),
    ):
        for action in actions:
            body = {"branch_id": w.branch} if action == "accept" else BODIES.get(action, {})
            if action == "report":  # the number on the letter the member hands over
                body = {"serial_number": case["letter"]["serial_number"]}
            done = await w.step(case, action, headers, body)
            assert done.status_code == 200, (action, done.text)
            case = done.json()
    assert done.json()["status"] == "completed"
    accepted, completed = await until(lambda: published(p, case["id"]))
    member = await until(lambda: applied_to(p, member_id, accepted, completed))
    moved = await w.file(member_id, w.yuhang)
    assert moved.status_code == 200
    file = moved.json()
    assert (file["home_org_id"], file["home_county"], file["status"]) == (
        w.branch,
        "yuhang",
        "transferred",
    )
    assert file["inflow_org_id"] is None
    assert [(h["action"], h["reason"]) for h in file["history"]] == [("change_home", case["id"])]
    assert (await w.file(member_id, w.yuexi)).status_code == 404  # no longer Yuexi's member

    async def home_learnt() -> bool:  # the registry's HomeOrganisationChanged came back
        state = await p.transfers.members.get(member_id)
        return bool(state and state.get("outflow_org_id") == w.branch)

    await until(home_learnt)
    # Redelivery: the same two envelopes again, then a sentinel on the same partition (the case id
    # is the key) — once the sentinel is applied, the duplicates before it have been handled.
    sentinel = CATALOG.parse(completed).to_envelope(subject=case["id"], producer="transfers")
    await p.bus.publish(CASE_TOPIC, [accepted, completed, sentinel])
    after = await until(lambda: applied_to(p, member_id, sentinel))
    assert after.version == member.version + 1  # the sentinel's no-op save only
    assert (await w.file(member_id, w.yuhang)).json() == file


async def published(p: Platform, case_id: str) -> tuple[Envelope, Envelope] | None:
    mine = {e.type: e for e in p.cases if e.subject == case_id}
    found = mine.get("transfers.TransferAccepted"), mine.get("transfers.TransferCompleted")
    return (found[0], found[1]) if found[0] and found[1] else None


async def applied_to(p: Platform, member_id: str, *envelopes: Envelope) -> Any:
    loaded = await p.registry.stores.members.load(member_id)
    return loaded if loaded and all(loaded.has_applied(e.event_id) for e in envelopes) else None


async def test_unpaid_dues_and_illegal_moves_are_refused_with_a_chinese_reason(
    world: World,
) -> None:
    w, p = world, world.p
    member_id = await w.register(dues="2026-01")
    body = {"member_id": member_id, "receiving_org_id": w.receiver, "reason": "在余杭长期工作"}
    refused = await p.client.post(f"{TRA}/cases", json=body, headers=w.yuexi)
    assert refused.status_code == 409, refused.text
    assert (
        "党费仅交至2026-01" in refused.json()["detail"]
        and refused.json()["title"] == "不符合办理条件"
    )
    before = (await w.file(member_id, w.yuexi)).json()
    paid = {"profile": profile("2026-03", date.fromisoformat(before["profile"]["birth_date"]))}
    assert (
        await p.client.put(f"{REG}/members/{member_id}", json=paid, headers=w.yuexi)
    ).status_code == 200
    await w.known(member_id, "2026-03")  # the registry's MemberUpdated reached transfers
    made = await p.client.post(f"{TRA}/cases", json=body, headers=w.yuexi)
    assert made.status_code == 201, made.text
    case = made.json()
    for action, headers, extra in (
        ("accept", w.yuhang, {"branch_id": w.branch}),
        ("complete", w.yuexi, None),
    ):
        illegal = await w.step(case, action, headers, extra)
        assert illegal.status_code == 409, illegal.text
        assert (
            illegal.json()["title"] == "当前状态不允许此操作"
            and "已提交待审批" in illegal.json()["detail"]
        )
    now = await p.client.get(f"{TRA}/cases/{case['id']}", headers=w.yuexi)
    assert now.json()["status"] == "submitted"
    untouched = (await w.file(member_id, w.yuexi)).json()
    assert (untouched["home_org_id"], untouched["history"]) == (w.home, [])
