"""Organisations: the county trees, created and renamed by county staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from warmflow_shared.errors import Conflict, FieldError, InvalidInput
from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.outbox.repo import Repo
from warmflow_shared.storage.port import Collection, DuplicateKeyError, Update
from warmflow_shared.timefmt import format_ts, parse_ts

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


CODE_CLAIMS = "organisation_codes"
# A claim whose organisation has not appeared after this long was left by a create that died
# between the claim and the insert; younger ones belong to a create still under way.
_CLAIM_GRACE = timedelta(minutes=1)


def _claims(registry: Registry) -> Collection:
    return registry.stores.organisations.collection.sibling(CODE_CLAIMS)


def _code_taken(code: str, holder: str) -> InvalidInput:
    return InvalidInput(
        errors=[FieldError("body.code", f"党组织编码 {code} 已被“{holder}”使用，编码须唯一")]
    )


async def _claim_code(registry: Registry, code: str, org_id: str) -> bool:
    """The check of ``_code_free`` reads, then the write follows: two creates of one code at
    the same moment both passed it. A code is claimed by inserting a document whose ``_id`` is
    the code in capitals, so the store lets one of them through. A claim outlives a change of
    code or a failed create; one whose organisation no longer carries the code (or never
    appeared) is taken over by a conditional write, so again only one taker wins. True when
    this call made the claim (False: the organisation held it already)."""
    key, claims, now = code.upper(), _claims(registry), registry.now()
    claim = {"_id": key, "org_id": org_id, "claimed_at": format_ts(now)}
    for _ in range(3):
        try:
            await claims.insert(claim)
            return True
        except DuplicateKeyError:
            held = await claims.get(key)
        if held is None:
            continue  # released by a failed create since: try again
        if held["org_id"] == org_id:
            return False
        holder = await find_organisation(registry, held["org_id"])
        if holder is not None and holder.code.upper() == key and not holder.is_external:
            raise _code_taken(code, holder.name)
        # (either way round: a claim made under a clock moved forward is as young)
        if holder is None and abs(now - parse_ts(held["claimed_at"])) < _CLAIM_GRACE:
            raise _code_taken(code, "另一个正在创建的组织")
        taken = Update(set={"org_id": org_id, "claimed_at": claim["claimed_at"]})
        if await claims.update(key, taken, where={"org_id": held["org_id"]}):
            return True
    raise _code_taken(code, "另一个组织")


async def create_organisation(registry: Registry, cmd: CreateOrganisation) -> Organisation:
    parent = (
        await organisation_field(registry, cmd.parent_id, "parent_id") if cmd.parent_id else None
    )
    check_parent(cmd.type_code, cmd.county, parent)
    province = _province(cmd, parent)
    await _code_free(registry, cmd.code, cmd.id)
    org = Organisation(**cmd.model_dump(exclude={"province"}), province=province, path="")
    org.path = path_of(org.id, parent)
    claimed = await _claim_code(registry, cmd.code, cmd.id)
    try:
        await _organisations(registry).add(org, [_event(org, ev.OrganisationCreated)])
    except Exception as exc:
        if claimed:  # not left to the grace period: a retry under a new id may follow at once
            await _claims(registry).delete(cmd.code.upper())
        if isinstance(exc, DuplicateKeyError):
            raise Conflict(f"组织编号 {org.id} 已被使用") from exc
        raise
    return org


def _province(cmd: CreateOrganisation, parent: Organisation | None) -> str:
    """A county's province is the county's: a county's root states it, every organisation
    under it has its parent's. One given that differs was dropped without a word before."""
    if parent is None:
        if not cmd.province:
            raise InvalidInput(errors=[FieldError("body.province", "县（区）委须填写所在省份")])
        return cmd.province
    if cmd.province and cmd.province != parent.province:
        reason = f"所在省份随上级组织“{parent.name}”，为{parent.province}，不能填写{cmd.province}"
        raise InvalidInput(errors=[FieldError("body.province", reason)])
    return parent.province


async def update_organisation(
    registry: Registry, org_id: str, cmd: UpdateOrganisation
) -> Organisation:
    changes: dict[str, Any] = cmd.model_dump(exclude_unset=True, exclude_none=True)
    if "code" in changes:
        await _code_free(registry, changes["code"], org_id)
        current = await get_organisation(registry, org_id)
        if current.code.upper() != changes["code"].upper():  # keeping its own needs no claim
            await _claim_code(registry, changes["code"], org_id)

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


async def fill_contact(registry: Registry, org_id: str, name: str, phone: str) -> None:
    """Gives an organisation without a contact this one, in the update itself: a contact staff
    entered (either half) meanwhile is kept (the demo seed fills what older seeds left out)."""

    def fill(org: Organisation) -> list[ev.OrganisationChanged]:
        if org.contact_name or org.contact_phone:
            return []
        org.contact_name, org.contact_phone = name, phone
        return [_event(org, ev.OrganisationUpdated)]

    await _organisations(registry).update(org_id, fill)


async def list_organisations(
    registry: Registry, county: str | None, parent_id: str | None
) -> list[Organisation]:
    where = {f"state.{k}": v for k, v in {"county": county, "parent_id": parent_id}.items() if v}
    return await _organisations(registry).find(where, sort=[("state.path", 1)])
