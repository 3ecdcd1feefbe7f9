"""Seed the demo data through the same handlers the API uses, so every event flows as in life.

Idempotent: organisations, sites and members that already exist are left alone, so a second
seed (or one interrupted half-way and run again) only adds what is missing — and gives an
organisation seeded before the demo had contacts its contact, unless staff entered one.
"""

from __future__ import annotations

from collections.abc import Callable

from warmflow_shared.errors import Conflict

from warmflow_registry.domain.mobility import Actor, today
from warmflow_registry.domain.model import Member, Profile
from warmflow_registry.entrypoints import demo_data
from warmflow_registry.service_layer.commands import (
    CreateOrganisation,
    CreateSite,
    FlagLost,
    RecordSearch,
    RegisterMember,
    RegisterOutflow,
    ReturnHome,
)
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.members import register_member
from warmflow_registry.service_layer.mobility import (
    check_in,
    depart,
    flag_lost,
    record_search,
    register_outflow,
    return_home,
)
from warmflow_registry.service_layer.organisations import (
    create_organisation,
    fill_contact,
    find_organisation,
)
from warmflow_registry.service_layer.sites import create_site, get_site

SEEDER = Actor("demo-seed", "county_admin")
Progress = Callable[[int, int], None]


async def seed_structure(registry: Registry) -> None:
    for org in demo_data.organisations():
        if await registry.stores.organisations.load(org.id) is None:
            fields = {**org.__dict__, "province": None}
            await create_organisation(registry, CreateOrganisation.model_validate(fields))
        else:
            await _fill_contact(registry, org.id, org.county)
    for org_id, county in demo_data.PRESET_ORGANISATIONS.items():
        await _fill_contact(registry, org_id, county)
    for site in demo_data.sites():
        if await registry.stores.sites.load(site.id) is None:
            fields = {**site.__dict__, "services": ["报到", "关系转接", "帮扶"]}
            await create_site(registry, CreateSite.model_validate(fields))


async def _fill_contact(registry: Registry, org_id: str, county: str) -> None:
    """A transfer letter names its organisation's contact (else it reads 未登记): one seeded
    without a contact gets the demo's; one whose staff entered either half keeps what it has."""
    if await find_organisation(registry, org_id) is not None:  # fills only where none is kept
        await fill_contact(registry, org_id, *demo_data.contact_of(org_id, county))


async def seed_members(registry: Registry, count: int, progress: Progress | None = None) -> int:
    """Register ``count`` members (plus the demo tokens' members); returns how many were new."""
    people = demo_data.demo_members(today(registry.now()))
    people += demo_data.members(count, today(registry.now()))
    added = 0
    for n, person in enumerate(people, start=1):
        if await registry.stores.members.load(person.id) is None:
            added += await _seed_member(registry, person)
        if progress is not None and (n % 200 == 0 or n == len(people)):
            progress(n, len(people))
    return added


async def _seed_member(registry: Registry, person: demo_data.DemoMember) -> int:
    cmd = RegisterMember(
        id_number=person.id_number,
        home_org_id=person.home_org_id,
        profile=Profile.model_validate(person.profile),
    )
    try:
        await register_member(registry, cmd, SEEDER, member_id=person.id)
    except Conflict:
        return 0  # a made-up ID number met its twin: skip rather than fail the seed
    await _play(registry, person)
    return 1


async def _play(registry: Registry, person: demo_data.DemoMember) -> None:
    if person.plan == "at_home":
        return
    site_id = _inflow_site(person.id)
    loaded = await registry.stores.members.load(person.id)
    assert loaded is not None  # registered just before
    outflow = RegisterOutflow(
        reason_code="work", destination="浙江省杭州市余杭区", expected_months=12, site_id=site_id
    )
    await register_outflow(registry, Member.model_validate(loaded.state), outflow, SEEDER)
    await depart(registry, person.id, SEEDER)
    if person.plan in ("checked_in", "returned"):
        site = await get_site(registry, site_id)
        await check_in(registry, person.id, site, SEEDER, "staff")
    if person.plan == "returned":
        await return_home(registry, person.id, ReturnHome(card_checked=True), SEEDER)
    if person.plan == "lost":  # staff flag 失联 after an attempt that did not reach them
        tried = RecordSearch(on=today(registry.now()), channel="phone", outcome="no_trace")
        await record_search(registry, person.id, tried, SEEDER)
        await flag_lost(registry, person.id, FlagLost(reason_code="1"), SEEDER)


def _inflow_site(member_id: str) -> str:
    yuhang = [s.id for s in demo_data.sites() if s.county == "yuhang"] + ["yuhang-ai-town-home"]
    if member_id == "demo-member-001":
        return "yuhang-ai-town-home"
    return yuhang[hash_index(member_id, len(yuhang))]


def hash_index(text: str, size: int) -> int:
    return sum(map(ord, text)) % size
