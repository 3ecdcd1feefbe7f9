"""A county that signs 共管共育 joins by data: its record (the root organisation with the name
people read), its organisation tree and its 暖流之家 sites, loaded from a file by
``warmflow partner FILE`` — idempotent, so loading the file again adds only what is missing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warmflow_registry.service_layer import organisations, sites
from warmflow_registry.service_layer.commands import CreateOrganisation, CreateSite
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.counties import root_id


class Partner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    county: CreateOrganisation = Field(description="the root: type_code county, with short_name")
    organisations: list[CreateOrganisation] = Field(default_factory=list, max_length=5000)
    sites: list[CreateSite] = Field(default_factory=list, max_length=2000)

    @model_validator(mode="after")
    def _one_county(self) -> Partner:
        root = self.county
        if root.type_code != "county" or root.parent_id is not None:
            raise ValueError("county must be a root organisation of type_code county")
        if root.id != root_id(root.county) or not root.short_name or not root.province:
            raise ValueError(
                f"the county's id must be {root_id(root.county)}, with short_name and province"
            )
        others = [o.county for o in self.organisations] + [s.county for s in self.sites]
        if any(county != root.county for county in others):
            raise ValueError("every organisation and site must belong to the partner's county")
        return self


async def load_partner(registry: Registry, data: dict[str, Any]) -> dict[str, int]:
    """Create what is missing, parents before children; returns how many of each were new."""
    partner = Partner.model_validate(data)
    added = {"organisations": 0, "sites": 0}
    for org in [partner.county, *partner.organisations]:
        if await organisations.find_organisation(registry, org.id) is None:
            await organisations.create_organisation(registry, org)
            added["organisations"] += 1
    for site in partner.sites:
        if await sites.find_site(registry, site.id) is None:
            await sites.create_site(registry, site)
            added["sites"] += 1
    return added
