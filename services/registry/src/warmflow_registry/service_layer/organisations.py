"""Organisations: the county trees, created and renamed by county staff."""

from __future__ import annotations

from typing import Any

from warmflow_shared.errors import Conflict, FieldError, InvalidInput
from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.outbox.repo import Repo
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_registry.domain.external import EXTERNAL
from warmflow_registry.domain.organisation import Organisation, check_parent, path_of
from warmflow_registry.domain.presets import ROOT_ORGANISATIONS
from warmflow_registry.service_layer.commands import CreateOrganisation, UpdateOrganisation
from warmflow_registry.service_layer.context import Registry


def _organisations(registry: Registry) -> Repo[Organisation]:
    return Repo(registry.stores.organisations, Organisation, "组织")


async def find_organisation(registry: Registry, org_id: str) -> Organisation | None:
    return await _organisations(registry).find_one(org_id)


async def get_organisation(registry: Registry, org_id: str) -> Organisation:
    return await _organisations(registry).get(org_id)


async def organisation_field(registry: Registry, org_id: str, field: str) -> Organisation:
    """The organisation an input field names; 422 on that field when it does not exist."""
    return await _organisations(registry).named_by(org_id, field)


def _event(org: Organisation, kind: type[ev.OrganisationChanged]) -> ev.OrganisationChanged:
    return kind(org_id=org.id, **org.model_dump(exclude={"id", "path", "external"}))


async def _code_free(registry: Registry, code: str, org_id: str) -> None:
    """党组织编码 names one organisation on the platform: card numbers begin with the issuing
    committee's (two committees of one code numbered the same cards, and 现场报到 by card number
    then found either member), and a roster row names its branch by it. Organisations not on
    the platform keep their region code (many share one) and are not counted."""
    variants = sorted({code, code.upper(), code.lower()})  # card numbers are typed in any case
    where = {"state.code": {"$in": variants}, "state.type_code": {"$ne": EXTERNAL}}
    for other in await _organisations(registry).find(where, limit=2):
        if other.id != org_id:
            reason = f"党组织编码 {code} 已被“{other.name}”使用，编码须唯一"
            raise InvalidInput(errors=[FieldError("body.code", reason)])


async def create_organisation(registry: Registry, cmd: CreateOrganisation) -> Organisation:
    parent = (
        await organisation_field(registry, cmd.parent_id, "parent_id") if cmd.parent_id else None
    )
    check_parent(cmd.type_code, cmd.county, parent)
    await _code_free(registry, cmd.code, cmd.id)
    province = parent.province if parent else cmd.province
    if not province:
        raise InvalidInput(errors=[FieldError("body.province", "县（区）委须填写所在省份")])
    org = Organisation(**cmd.model_dump(exclude={"province"}), province=province, path="")
    org.path = path_of(org.id, parent)
    try:
        await _organisations(registry).add(org, [_event(org, ev.OrganisationCreated)])
    except DuplicateKeyError as exc:
        raise Conflict(f"组织编号 {org.id} 已被使用") from exc
    return org


async def update_organisation(
    registry: Registry, org_id: str, cmd: UpdateOrganisation
) -> Organisation:
    changes: dict[str, Any] = cmd.model_dump(exclude_unset=True, exclude_none=True)
    if "code" in changes:
        await _code_free(registry, changes["code"], org_id)

    def rename(org: Organisation) -> list[ev.OrganisationChanged]:
        for name, value in changes.items():
            setattr(org, name, value)
        return [_event(org, ev.OrganisationUpdated)]

    return await _organisations(registry).update(org_id, rename)


async def ensure_root_organisations(registry: Registry) -> None:
    """Idempotent: creates what is missing, in order, so parents exist before children; a
    county's root recorded before roots carried their region code gets it."""
    for preset in ROOT_ORGANISATIONS:
        found = await find_organisation(registry, str(preset["id"]))
        if found is None:
            try:
                await create_organisation(registry, CreateOrganisation.model_validate(preset))
            except Conflict:
                continue  # another instance created it at the same moment
        elif found.region_code is None and (code := preset.get("region_code")):
            await _add_region(registry, found.id, code)


async def _add_region(registry: Registry, org_id: str, code: str) -> None:
    def add(org: Organisation) -> list[ev.OrganisationChanged]:
        if org.region_code is not None:
            return []
        org.region_code = code
        return [_event(org, ev.OrganisationUpdated)]

    await _organisations(registry).update(org_id, add)


async def list_organisations(
    registry: Registry, county: str | None, parent_id: str | None
) -> list[Organisation]:
    where = {f"state.{k}": v for k, v in {"county": county, "parent_id": parent_id}.items() if v}
    return await _organisations(registry).find(where, sort=[("state.path", 1)])
