"""Routes for organisations, 暖流之家 sites and their 报到 codes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel
from warmflow_shared.auth.principal import COUNTY_PATTERN
from warmflow_shared.errors import Forbidden

from warmflow_registry.domain.organisation import Organisation, Site
from warmflow_registry.service_layer import counties, external, organisations, sites
from warmflow_registry.service_layer.commands import (
    CreateOrganisation,
    CreateSite,
    SiteFields,
    UpdateOrganisation,
)
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.scope import manages_org, manages_site

from .common import Admin, Reader, SignedIn, Staff


class CheckInCodeView(BaseModel):
    site_id: str
    code: str
    valid_from: datetime
    valid_until: datetime


class CountyView(BaseModel):
    county: str
    name: str
    root_org_id: str
    province: str

    @classmethod
    def of(cls, org: Organisation) -> CountyView:
        name = counties.display_name(org)
        return cls(county=org.county, name=name, root_org_id=org.id, province=org.province)


CountyQuery = Annotated[str | None, Query(pattern=COUNTY_PATTERN)]


def organisation_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["organisations"])

    @router.get("/organisations", name="list_organisations")
    async def list_orgs(
        _: Staff, county: CountyQuery = None, parent_id: str | None = None
    ) -> list[Organisation]:
        return await organisations.list_organisations(registry, county, parent_id)

    @router.get("/counties", name="list_counties")
    async def list_counties(_: SignedIn) -> list[CountyView]:
        """The counties on the platform (共管共育 partners), with the names people read."""
        return [CountyView.of(org) for org in await counties.county_records(registry)]

    @router.get("/organisations/{org_id}", name="get_organisation")
    async def get_org(org_id: str, _: Staff) -> Organisation:
        return await organisations.get_organisation(registry, org_id)

    @router.post("/organisations", name="create_organisation", status_code=status.HTTP_201_CREATED)
    async def create_org(cmd: CreateOrganisation, principal: Admin) -> Organisation:
        if cmd.type_code == "county":
            raise Forbidden("县（区）作为合作方加入平台，由运维人员以 warmflow partner 命令登记")
        parent = await organisations.find_organisation(registry, cmd.parent_id or "")
        allowed = parent is not None and await manages_org(registry, principal, parent)
        if not allowed and not (
            principal.role == "county_admin" and principal.county == cmd.county
        ):
            raise Forbidden("只能在本人管理的组织下设立组织")
        return await organisations.create_organisation(registry, cmd)

    @router.patch("/organisations/{org_id}", name="update_organisation")
    async def update_org(org_id: str, cmd: UpdateOrganisation, principal: Admin) -> Organisation:
        org = await organisations.get_organisation(registry, org_id)
        external.refuse_edit(org)
        if not await manages_org(registry, principal, org):
            raise Forbidden("只能修改本人管理的组织")
        return await organisations.update_organisation(registry, org_id, cmd)

    return router


def site_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["sites"])

    @router.get("/sites", name="list_sites")
    async def list_all(
        _: Staff, county: CountyQuery = None, org_id: str | None = None
    ) -> list[Site]:
        return await sites.list_sites(registry, county, org_id)

    @router.get("/sites/{site_id}", name="get_site")
    async def get_one(site_id: str, _: Reader) -> Site:  # a member sees where they check in
        return await sites.get_site(registry, site_id)

    @router.post("/sites", name="create_site", status_code=status.HTTP_201_CREATED)
    async def create(cmd: CreateSite, principal: Admin) -> Site:
        if principal.county != cmd.county:
            raise Forbidden("只能在本县（区）设立站点")
        return await sites.create_site(registry, cmd)

    @router.put("/sites/{site_id}", name="update_site")
    async def update(site_id: str, cmd: SiteFields, principal: Admin) -> Site:
        if not await manages_site(registry, principal, await sites.get_site(registry, site_id)):
            raise Forbidden("只能修改本人管理的站点")
        return await sites.update_site(registry, site_id, cmd)

    @router.get("/sites/{site_id}/checkin-code", name="get_site_checkin_code")
    async def checkin_code(site_id: str, principal: Staff) -> CheckInCodeView:
        if not await manages_site(registry, principal, await sites.get_site(registry, site_id)):
            raise Forbidden("只能获取本人所在站点的报到码")
        code = sites.issue_code(registry, site_id)
        return CheckInCodeView(
            site_id=site_id,
            code=code.code,
            valid_from=code.valid_from,
            valid_until=code.valid_until,
        )

    return router
