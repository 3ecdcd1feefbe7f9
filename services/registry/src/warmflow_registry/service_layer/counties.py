"""Counties are data: each is the root organisation of its tree (``type_code`` county, id
``<county>-county-committee``), with the short name people read. The founding three come with
the reference data; a partner that signs 共管共育 later joins with ``warmflow partner FILE``."""

from __future__ import annotations

from warmflow_shared.auth.principal import COUNTY_NAMES
from warmflow_shared.errors import FieldError, InvalidInput

from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer.context import Registry


def root_id(county: str) -> str:
    return f"{county}-county-committee"


async def county_records(registry: Registry) -> list[Organisation]:
    docs = await registry.stores.organisations.collection.find(
        {"state.type_code": "county"}, sort=[("_id", 1)]
    )
    return [Organisation.model_validate(doc["state"]) for doc in docs]


def display_name(org: Organisation) -> str:
    return org.short_name or COUNTY_NAMES.get(org.county) or org.name


async def county_names(registry: Registry) -> dict[str, str]:
    return {org.county: display_name(org) for org in await county_records(registry)}


async def known_counties(registry: Registry) -> list[str]:
    return sorted(org.county for org in await county_records(registry))


async def require_known(registry: Registry, counties: list[str], field: str) -> None:
    known = set(await known_counties(registry))
    unknown = [c for c in counties if c not in known]
    if unknown:
        reason = f"县（区）{'、'.join(unknown)} 尚未加入本平台"
        raise InvalidInput("请检查下列字段后重新提交", errors=[FieldError(f"body.{field}", reason)])
