"""暖流之家 sites and their signed 报到 codes."""

from __future__ import annotations

from datetime import timedelta

from warmflow_shared.errors import Conflict, FieldError, InvalidInput
from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.outbox.repo import Repo
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_registry.domain import checkin_code
from warmflow_registry.domain.organisation import Site, check_site_parent
from warmflow_registry.domain.presets import ROOT_SITES
from warmflow_registry.service_layer.commands import CreateSite, SiteFields
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.organisations import organisation_field


def _sites(registry: Registry) -> Repo[Site]:
    return Repo(registry.stores.sites, Site, "站点")


async def find_site(registry: Registry, site_id: str) -> Site | None:
    return await _sites(registry).find_one(site_id)


async def get_site(registry: Registry, site_id: str) -> Site:
    return await _sites(registry).get(site_id)


async def site_field(registry: Registry, site_id: str, field: str) -> Site:
    return await _sites(registry).named_by(site_id, field)


async def _check(registry: Registry, fields: SiteFields, county: str) -> None:
    if fields.org_id:
        org = await organisation_field(registry, fields.org_id, "org_id")
        if org.county != county:
            raise InvalidInput(errors=[FieldError("body.org_id", "站点所属组织须在同一县（区）")])
    parent = (
        await site_field(registry, fields.parent_site_id, "parent_site_id")
        if fields.parent_site_id
        else None
    )
    check_site_parent(fields.level, county, parent)


def _event(site: Site, kind: type[ev.SiteChanged]) -> ev.SiteChanged:
    return kind(site_id=site.id, **site.model_dump(exclude={"id", "opening_hours", "staff_ids"}))


async def create_site(registry: Registry, cmd: CreateSite) -> Site:
    await _check(registry, cmd, cmd.county)
    site = Site.model_validate(cmd.model_dump())
    try:
        await _sites(registry).add(site, [_event(site, ev.SiteCreated)])
    except DuplicateKeyError as exc:
        raise Conflict(f"站点编号 {site.id} 已被使用") from exc
    return site


async def update_site(registry: Registry, site_id: str, cmd: SiteFields) -> Site:
    current = await get_site(registry, site_id)
    await _check(registry, cmd, current.county)  # a site keeps its county

    def replace(site: Site) -> list[ev.SiteChanged]:
        for name, value in cmd.model_dump().items():
            setattr(site, name, value)
        return [_event(site, ev.SiteUpdated)]

    return await _sites(registry).update(site_id, replace)


async def ensure_root_sites(registry: Registry) -> None:
    for preset in ROOT_SITES:
        if await find_site(registry, str(preset["id"])) is None:
            try:
                await create_site(registry, CreateSite.model_validate(preset))
            except Conflict:
                continue


def issue_code(registry: Registry, site_id: str) -> checkin_code.CheckInCode:
    now = registry.now()
    until = now + timedelta(hours=registry.settings.checkin_code_hours)
    return checkin_code.issue(_key(registry), site_id, now, until)


def site_of_code(registry: Registry, code: str) -> str:
    return checkin_code.verify(_key(registry), code, registry.now())


def _key(registry: Registry) -> bytes:
    return registry.settings.checkin_key.get_secret_value().encode()


async def list_sites(registry: Registry, county: str | None, org_id: str | None) -> list[Site]:
    where = {f"state.{k}": v for k, v in {"county": county, "org_id": org_id}.items() if v}
    return await _sites(registry).find(where, sort=[("_id", 1)])
