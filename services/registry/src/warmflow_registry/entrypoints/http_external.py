"""Routes for home organisations that are not on the platform: record (or reuse) and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer import external
from warmflow_registry.service_layer.commands import RegisterExternalOrganisation
from warmflow_registry.service_layer.context import Registry

from .common import Admin, Page, PageNo, PageSize, Staff


def external_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["organisations"])

    @router.post(
        "/external-organisations",
        name="register_external_organisation",
        status_code=status.HTTP_201_CREATED,
        responses={200: {"description": "已有相同名称与区划的记录，返回该记录"}},
    )
    async def register(
        cmd: RegisterExternalOrganisation, principal: Admin, response: Response
    ) -> Organisation:
        await external.refuse_platform_name(registry, cmd.name, "name")
        await external.refuse_platform_region(registry, cmd.region_code, "region_code")
        org, created = await external.register_external(registry, cmd, str(principal.county))
        if not created:
            response.status_code = status.HTTP_200_OK
        return org

    @router.get("/external-organisations", name="search_external_organisations")
    async def search(
        _: Staff,
        q: Annotated[str | None, Query(max_length=50, description="名称包含")] = None,
        region_code: Annotated[
            str | None, Query(pattern=r"^\d{2,6}$", description="行政区划代码（前缀）")
        ] = None,
        page: PageNo = 1,
        size: PageSize = 20,
    ) -> Page[Organisation]:
        total, items = await external.search_external(registry, q, region_code, page, size)
        return Page(total=total, page=page, size=size, items=items)

    return router
