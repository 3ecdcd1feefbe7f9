"""Admin API of the staff directory and group bots (org and county admins, own county)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal

from warmflow_notify.entrypoints.schemas import GroupBot, GroupBotBody, StaffBody, StaffEntry
from warmflow_notify.service_layer.directory_admin import DirectoryAdmin

Admin = Annotated[Principal, require_roles("org_admin", "county_admin")]
StaffReader = Annotated[Principal, require_roles("site_staff", "org_admin", "county_admin")]
# a token subject, as identity providers issue them (OpenID Connect: at most 255 ASCII
# characters): a NUL, a space or a 100,000-character "id" is no staff member (FerretDB refused
# the NUL with a 500, SQLite stored it)
StaffId = Annotated[str, Path(pattern=r"^[\x21-\x7e]{1,255}$")]


def _entry(doc: dict[str, object]) -> StaffEntry:
    return StaffEntry.model_validate({**doc, "staff_id": doc["_id"]})


def directory_router(admin: DirectoryAdmin) -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.put("/staff/{staff_id}", name="put_staff")
    async def put_staff(staff_id: StaffId, body: StaffBody, principal: Admin) -> StaffEntry:
        return _entry(await admin.put_staff(principal, staff_id, body.model_dump()))

    @router.get("/staff", name="list_staff")
    async def list_staff(principal: StaffReader) -> list[StaffEntry]:
        return [_entry(doc) for doc in await admin.list_staff(principal)]

    @router.put("/group-bots/{org_id}", name="put_group_bot")
    async def put_group_bot(org_id: str, body: GroupBotBody, principal: Admin) -> GroupBot:
        doc = await admin.put_bot(principal, org_id, body.url)
        return GroupBot(org_id=org_id, url=doc["url"], county=doc["county"])

    return router
