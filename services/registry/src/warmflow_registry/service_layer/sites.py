"""暖流之家 sites and their signed 报到 codes."""

from __future__ import annotations

from datetime import timedelta

from warmflow_shared.errors import Conflict, FieldError, InvalidInput, NotFound
from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_registry.domain import checkin_code
from warmflow_registry.domain.organisation import Site, check_site_parent
from warmflow_registry.service_layer.commands import CreateSite, SiteFields
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.organisations import organisation_field
from warmflow_registry.service_layer.presets import ROOT_SITES


async def find_site(registry: Registry, site_id: str) -> Site | None:
    loaded = await registry.stores.sites.load(site_id)
    return Site.model_validate(loaded.state) if loaded else None


async def get_site(registry: Registry, site_id: str) -> Site:
    site = await find_site(registry, site_id)
    if site is None:
        raise NotFound(f"站点 {site_id} 不存在")
    return site


async def site_field(registry: Registry, site_id: str, field: str) -> Site:
    site = await find_site(registry, site_id)
    if site is None:
        raise InvalidInput(errors=[FieldError(f"body.{field}", f"站点 {site_id} 不存在")])
    return site


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
        await registry.stores.sites.save(
            site.id,
            site.model_dump(mode="json"),
            expected=None,
            events=[_event(site, ev.SiteCreated)],
        )
    except DuplicateKeyError as exc:
        raise Conflict(f"站点编号 {site.id} 已被使用") from exc
    return site


async def update_site(registry: Registry, site_id: str, cmd: SiteFields) -> Site:
    loaded = await registry.stores.sites.load(site_id)
    if loaded is None:
        raise NotFound(f"站点 {site_id} 不存在")
    current = Site.model_validate(loaded.state)
    await _check(registry, cmd, current.county)
    site = Site.model_validate({**cmd.model_dump(), "id": site_id, "county": current.county})
    event = _event(site, ev.SiteUpdated)
    await registry.stores.sites.save(
        site_id, site.model_dump(mode="json"), expected=loaded, events=[event]
    )
    return site


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
    docs = await registry.stores.sites.collection.find(where, sort=[("_id", 1)])
    return [Site.model_validate(doc["state"]) for doc in docs]
