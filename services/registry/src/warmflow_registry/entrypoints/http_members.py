"""Routes for member e-files: register, update, read (masked, audited), search, one's own."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response, status
from warmflow_shared.auth.principal import COUNTY_PATTERN, Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput
from warmflow_shared.web.problems import Problem

from warmflow_registry.domain.codes import MobileStatus
from warmflow_registry.domain.model import Member
from warmflow_registry.service_layer import external, members, organisations, queries, sites
from warmflow_registry.service_layer.commands import (
    RegisterMember,
    UpdateMember,
    UpdateOwnProfile,
)
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.scope import file_to_edit, manages_org
from warmflow_registry.service_layer.views import MemberFile, MemberSummary, summary

from .common import (
    Admin,
    After,
    MemberPrincipal,
    Page,
    PageNo,
    PageSize,
    Reader,
    actor,
    found_page,
    serialised,
)

Reveal = Annotated[
    Literal["id_number"] | None,
    Query(description="id_number：显示完整公民身份号码（仅户籍地管理员或本人，须说明用途）"),
]
Purpose = Annotated[str | None, Query(max_length=200, description="查看敏感信息的用途，记入审计")]
# 报到逾期 is a flag over the statuses awaiting 报到, not a status: combined with the other filters
Overdue = Annotated[bool | None, Query(description="报到逾期（待报到且已过报到期限）")]
# 待报到 as the dashboard counts it: registered to go out or gone, not checked in yet
Awaiting = Annotated[bool | None, Query(description="待报到（已登记流出或待报到）")]
STALE: dict[int | str, dict[str, Any]] = {
    412: {"model": Problem, "description": "档案已被他人修改（If-Match 不符）"}
}
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=64,
        description="读取档案时的 profile_revision：其间档案被修改则拒绝保存（412）",
    ),
]


class MyFile(MemberFile):
    """A member's own file, with the names of their two organisations (members may not read the
    organisation directory)."""

    home_org_name: str | None = None
    inflow_org_name: str | None = None


async def _org_name(registry: Registry, org_id: str | None) -> str | None:
    org = await organisations.find_organisation(registry, org_id) if org_id else None
    return org.name if org else None


async def _register_from_elsewhere(
    registry: Registry, cmd: RegisterMember, principal: Principal
) -> Member:
    """The inflow side builds the e-file of a member whose home organisation is not on here."""
    missing = [
        FieldError(f"body.{field}", reason)
        for field, reason in (
            ("inflow_org_id", "户籍地党组织不在本平台时，须填写流入地党组织"),
            ("home_report", "户籍地党组织不在本平台时，须记录其报告（方式、报告人、日期）"),
        )
        if getattr(cmd, field) is None
    ]
    if missing:
        raise InvalidInput("请检查下列字段后重新提交", errors=missing)
    assert cmd.inflow_org_id is not None and cmd.home_report is not None
    inflow = await organisations.organisation_field(registry, cmd.inflow_org_id, "inflow_org_id")
    if inflow.is_external or not await manages_org(registry, principal, inflow):
        raise Forbidden("只能为本人管理的流入地组织建档")
    site = await sites.site_field(registry, cmd.site_id, "site_id") if cmd.site_id else None
    member = await members.register_member(registry, cmd, actor(principal))
    return await external.record_arrival(
        registry, member.id, cmd.home_report, inflow, site, actor(principal)
    )


def member_router(registry: Registry) -> APIRouter:
    router = APIRouter(tags=["members"])

    @router.post("/members", name="register_member", status_code=status.HTTP_201_CREATED)
    async def register(cmd: RegisterMember, principal: Admin) -> MemberSummary:
        home = await organisations.organisation_field(registry, cmd.home_org_id, "home_org_id")
        if home.is_external:
            return summary(await _register_from_elsewhere(registry, cmd, principal))
        if not await manages_org(registry, principal, home):
            raise Forbidden("只能为本人管理的组织建档")
        return summary(await members.register_member(registry, cmd, actor(principal)))

    @router.get("/members", name="search_members", response_model=Page[MemberSummary])
    async def search(
        principal: Reader,
        page: PageNo = 1,
        size: PageSize = 20,
        name: Annotated[str | None, Query(max_length=50, description="姓名（前缀）")] = None,
        id_number: Annotated[
            str | None, Query(max_length=32, description="公民身份号码（精确）")
        ] = None,
        org_id: Annotated[str | None, Query(description="组织及其下级（流出或流入）")] = None,
        site_id: str | None = None,
        status: MobileStatus | None = None,
        county: Annotated[str | None, Query(pattern=COUNTY_PATTERN)] = None,
        withdrawal: Annotated[bool | None, Query(description="自行脱党待认定")] = None,
        overdue: Overdue = None,
        awaiting: Awaiting = None,
        after: After = None,
    ) -> Response:
        if principal.role == "member":
            raise Forbidden("党员请通过“我的档案”查看本人信息")
        search = queries.MemberSearch(
            name, id_number, org_id, site_id, status, county, overdue, withdrawal, awaiting=awaiting
        )
        found = await queries.search_members(registry, principal, search, page, size, after=after)
        return serialised(found_page(found, page, size))

    @router.get("/members/{member_id}", name="get_member", response_model=MemberFile)
    async def get_one(
        member_id: str, principal: Reader, reveal: Reveal = None, purpose: Purpose = None
    ) -> Response:
        if principal.role == "member" and principal.member_id != member_id:
            raise Forbidden("党员只能查看本人档案")
        file = await queries.read_file(registry, principal, member_id, reveal is not None, purpose)
        return serialised(file)

    @router.put(
        "/members/{member_id}",
        name="update_member",
        responses=STALE,
    )
    async def update(
        member_id: str, cmd: UpdateMember, principal: Admin, if_match: IfMatch = None
    ) -> MemberSummary:
        await file_to_edit(registry, principal, member_id)
        changed = await members.update_member(
            registry, member_id, cmd, actor(principal), if_match=if_match
        )
        return summary(changed)

    @router.get("/me", name="get_my_file")
    async def me(
        principal: MemberPrincipal, reveal: Reveal = None, purpose: Purpose = None
    ) -> MyFile:
        assert principal.member_id is not None
        file = await queries.read_file(
            registry, principal, principal.member_id, reveal is not None, purpose
        )
        return MyFile(
            **file.model_dump(),
            home_org_name=await _org_name(registry, file.home_org_id),
            inflow_org_name=await _org_name(registry, file.inflow_org_id),
        )

    @router.put("/me", name="update_my_file", responses=STALE)
    async def update_me(
        cmd: UpdateOwnProfile, principal: MemberPrincipal, if_match: IfMatch = None
    ) -> MemberSummary:
        assert principal.member_id is not None
        changed = await members.update_own_profile(
            registry, principal.member_id, cmd, actor(principal), if_match=if_match
        )
        return summary(changed)

    return router
