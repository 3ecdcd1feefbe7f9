"""External home organisations: recorded once and reused, searched, never edited as ours; and
the members from them, registered by the inflow side as their home organisation reported."""

from __future__ import annotations

from warmflow_shared.errors import Conflict, FieldError, InvalidInput
from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.events.happened import Happened
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_registry.domain import outflow
from warmflow_registry.domain.external import (
    EXTERNAL,
    ExternalDetails,
    HomeReport,
    external_id,
    name_variants,
    normal_name,
    province_of,
    region_problems,
)
from warmflow_registry.domain.mobility import Actor
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import Organisation, Site
from warmflow_registry.service_layer.commands import RegisterExternalOrganisation
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.counties import county_names, display_name
from warmflow_registry.service_layer.members import change_member
from warmflow_registry.service_layer.organisations import find_organisation


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput("请检查下列字段后重新提交", errors=[FieldError(f"body.{field}", reason)])


CHOOSE_IT = "请直接选择该组织，不要登记为本平台以外的党组织"


async def refuse_platform_name(
    registry: Registry, name: str, field: str, hint: str = CHOOSE_IT
) -> None:
    """An organisation the platform manages is not recorded again as an external one (its
    members would be filed twice, and its staff would not see them): the refusal names it."""
    where = {"state.name": {"$in": name_variants(name)}, "state.county": {"$ne": EXTERNAL}}
    docs = await registry.stores.organisations.collection.find(where, sort=[("_id", 1)], limit=1)
    if not docs:
        return
    org = Organisation.model_validate(docs[0]["state"])
    county = (await county_names(registry)).get(org.county, org.county)
    reason = f"「{org.name}」是本平台管理的党组织（{county}，编号 {org.id}）：{hint}"
    raise InvalidInput("该党组织在本平台", errors=[FieldError(f"body.{field}", reason)])


async def refuse_platform_region(
    registry: Registry, region_code: str, field: str, hint: str = CHOOSE_IT
) -> None:
    """A county on the platform manages its organisations here: one in its region is chosen
    from the platform's organisations, not recorded as external (the county's record carries
    its GB/T 2260 code)."""
    where = {"state.type_code": "county", "state.region_code": region_code}
    docs = await registry.stores.organisations.collection.find(where, limit=1)
    if not docs:
        return
    root = Organisation.model_validate(docs[0]["state"])
    name = display_name(root)
    reason = f"行政区划代码 {region_code} 是{name}，其党组织由本平台管理（{root.name}）：{hint}"
    raise InvalidInput("该地区的党组织在本平台", errors=[FieldError(f"body.{field}", reason)])


async def register_external(
    registry: Registry, cmd: RegisterExternalOrganisation, county: str
) -> tuple[Organisation, bool]:
    """The record for this branch, created if new; ``True`` when it was created now."""
    if problems := region_problems(cmd.region_code):
        raise _invalid(problems[0].field, problems[0].reason)
    org_id = external_id(cmd.region_code, cmd.name)
    if (found := await find_organisation(registry, org_id)) is not None:
        return found, False
    org = Organisation(
        id=org_id,
        code=cmd.region_code,
        name=normal_name(cmd.name),
        type_code=EXTERNAL,
        county=EXTERNAL,
        province=province_of(cmd.region_code),
        path=f"/{org_id}/",
        contact_name=cmd.contact_name,
        contact_phone=cmd.contact_phone,
        external=ExternalDetails(
            region_code=cmd.region_code,
            level=cmd.level,
            contact_name=cmd.contact_name,
            contact_phone=cmd.contact_phone,
            registered_by_county=county,
        ),
    )
    event = ev.OrganisationCreated(
        org_id=org.id, **org.model_dump(exclude={"id", "path", "external"})
    )
    try:
        await registry.stores.organisations.save(
            org.id, org.model_dump(mode="json"), expected=None, events=[event]
        )
    except DuplicateKeyError:  # entered by someone else at the same moment: the same record
        if (found := await find_organisation(registry, org_id)) is not None:
            return found, False
        raise
    return org, True


async def search_external(
    registry: Registry, text: str | None, region_code: str | None, page: int, size: int
) -> tuple[int, list[Organisation]]:
    where: dict[str, object] = {"state.county": EXTERNAL}
    if region_code:
        where["state.code"] = {"$gte": region_code, "$lt": region_code + "~"}
    docs = await registry.stores.organisations.collection.find(where, sort=[("state.name", 1)])
    found = [Organisation.model_validate(d["state"]) for d in docs]
    if text:
        wanted = normal_name(text)
        found = [org for org in found if wanted in org.name]
    return len(found), found[(page - 1) * size : page * size]


def refuse_edit(org: Organisation) -> None:
    if org.is_external:
        raise Conflict("外部党组织不由本平台管理，不能在此修改；如信息有误请重新登记")


def arrive_as_reported(
    member: Member,
    report: HomeReport,
    inflow: Organisation,
    site: Site | None,
    *,
    registry: Registry,
    actor: Actor,
) -> list[Happened]:
    """Outflow and departure as the home organisation reported them: the member now awaits 报到
    at the inflow side, and the history says who reported it, how and when."""
    plan = outflow.Outflow(
        card_number=f"EXT-{member.id}",  # one call may report several members: never shared
        issuing_org_id=member.home_org_id,
        reason_code="work",
        destination=inflow.name,
        expected_months=12,
        site_id=site.id if site else None,
        inflow_org_id=inflow.id,
        inflow_county=inflow.county,
    )
    now = registry.now()
    days = registry.settings.check_in_days
    events = outflow.register_outflow(member, plan, now=now, actor=actor, check_in_days=days)
    events += outflow.depart(member, now=now, actor=actor)
    for entry in member.history[-2:]:
        entry.reported = report
    member.outflow_on = report.on
    if member.card is not None:  # the day the member left, as the home organisation reported it
        member.card.departs_on = report.on
    return events


async def record_arrival(
    registry: Registry,
    member_id: str,
    report: HomeReport,
    inflow: Organisation,
    site: Site | None,
    actor: Actor,
) -> Member:
    return await change_member(
        registry,
        member_id,
        lambda m: arrive_as_reported(m, report, inflow, site, registry=registry, actor=actor),
    )
