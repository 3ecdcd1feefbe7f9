"""The member list as ``.xlsx``: the search's filters and scope, masked ID numbers, audited.

ID numbers are revealed only on request, with a purpose, and only for the members whose files
the caller may reveal (the home side); every other number stays masked. Cells are written
formula-safe by ``warmflow_shared.documents.spreadsheets``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from warmflow_shared.auth.principal import Principal
from warmflow_shared.documents.spreadsheets import XlsxWriter
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput
from warmflow_shared.turns import ITEMS_PER_TURN, taking_turns

from warmflow_registry.domain.codes import AWAITING, STATUS_NAMES
from warmflow_registry.domain.external import EXTERNAL
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import Organisation, Site
from warmflow_registry.service_layer import queries
from warmflow_registry.service_layer.agreements import partner_fields, purpose_of
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.organisations import find_organisation
from warmflow_registry.service_layer.sites import find_site
from warmflow_registry.service_layer.views import MemberFile, limit_file, member_file

HEADERS = (
    "姓名", "公民身份号码", "性别", "出生日期", "民族", "学历", "手机号码", "所在党支部",
    "党组织编码", "党员状态", "入党日期", "转正日期", "工作单位", "职务", "现居住地",
    "户籍所在地", "党费缴至", "流动状态", "流入地党组织", "暖流之家站点", "报到期限", "报到逾期",
    "自行脱党待认定", "自行脱党情形起始",
)  # fmt: skip
PARTY_STATUS_NAMES = {"full": "正式党员", "probationary": "预备党员"}
Shares = dict[str, frozenset[str]]
BATCH = 1000  # files read at a time
ROWS_PER_TURN = ITEMS_PER_TURN  # rows written between turns of the event loop
T = TypeVar("T")
EXPORTED_FIELDS = ["name", "phone", "residence", "party_status", "mobile_status", "employer"]


async def _members(
    registry: Registry, principal: Principal, search: queries.MemberSearch, purpose: str
) -> AsyncIterator[Member]:
    """The matching files in name order, read a batch at a time (memory does not grow with
    them), the event loop given a turn every few (``warmflow_shared.turns``)."""
    where = (await queries.search_query(registry, principal, search, purpose)).where
    cap = registry.settings.export_max_rows
    collection = registry.stores.members.collection
    counted = await collection.count(where, limit=cap + 1)
    if counted > cap:
        reason = f"导出结果超过 {cap} 条，请缩小筛选范围"
        raise InvalidInput(reason, errors=[FieldError("query", reason)])
    broad = counted > queries.TOTAL_CAP
    async for docs in queries.in_name_order(collection, where, BATCH, broad=broad):
        async for doc in taking_turns(docs, ROWS_PER_TURN):
            yield Member.model_validate(doc["state"])


class _Lookup(Generic[T]):
    """Organisations and sites by id, each read once per export."""

    def __init__(self, registry: Registry, find: Callable[[Registry, str], Awaitable[T]]) -> None:
        self._registry, self._find = registry, find
        self._cache: dict[str, T] = {}

    async def get(self, key: str | None) -> T | None:
        if key is None:
            return None
        if key not in self._cache:
            self._cache[key] = await self._find(self._registry, key)
        return self._cache[key]


@dataclass(frozen=True)
class _Names:
    orgs: _Lookup[Organisation | None]
    sites: _Lookup[Site | None]


async def _row(view: MemberFile, names: _Names) -> list[Any]:
    """One line; a field an agreement does not share is None in ``view`` and stays empty.
    Organisations and the 暖流之家 are written by the names people read, not their ids. The
    报到期限 means something only until the member has checked in (or returned), as on screen.
    自行脱党待认定 is written as the file and the list show it: what is missing, since when."""
    p = view.profile
    due = view.check_in_due if view.status in AWAITING else None
    home, inflow = await names.orgs.get(view.home_org_id), await names.orgs.get(view.inflow_org_id)
    site = await names.sites.get(view.site_id)
    return [
        p.name, view.id_number, p.gender, p.birth_date, p.ethnicity, p.education, p.phone,
        home.name if home else view.home_org_id, home.code if home else None,
        PARTY_STATUS_NAMES.get(str(p.party_status)), p.joined_on, p.full_member_on, p.employer,
        p.post, p.residence, p.household_registration, p.dues_paid_until,
        STATUS_NAMES.get(str(view.status)), inflow.name if inflow else None,
        site.name if site else view.site_id, due, _yes_no(view.check_in_overdue),
        view.withdrawal_name, view.withdrawal_since,
    ]  # fmt: skip


def _yes_no(value: object) -> str | None:
    return None if value is None else "是" if value else "否"


async def _view(
    registry: Registry, principal: Principal, member: Member, reveal: bool, shares: Shares
) -> MemberFile:
    """The home side sees the whole line, and so does the inflow side of a member whose home
    branch is not on the platform (it keeps that file); another county what its agreement
    shares."""
    if member.home_county not in (principal.county, EXTERNAL):
        return limit_file(member_file(member), shares.get(member.home_county, frozenset()))
    if reveal and await queries.may_reveal(registry, principal, member):
        return member_file(member, registry.vault.decrypt(member.id_cipher))
    return member_file(member)


async def export_members(
    registry: Registry,
    principal: Principal,
    search: queries.MemberSearch,
    reveal: bool,
    purpose: str | None,
) -> bytes:
    if reveal and (not purpose or len(purpose.strip()) < 2):
        reason = "导出完整公民身份号码须说明用途"
        raise InvalidInput(errors=[FieldError("query.purpose", reason)])
    if reveal and principal.role not in ("org_admin", "county_admin"):
        raise Forbidden("您的角色无权查看完整公民身份号码")
    code = purpose_of(purpose)
    shares = await partner_fields(registry, str(principal.county), code)
    names = _Names(_Lookup(registry, find_organisation), _Lookup(registry, find_site))
    revealed, exported = 0, []
    with XlsxWriter(HEADERS, title="党员名册") as sheet:  # dropped if the export fails
        async for member in _members(registry, principal, search, code):
            view = await _view(registry, principal, member, reveal, shares)
            revealed += view.id_number_revealed
            sheet.append(await _row(view, names))
            exported.append(member.id)
        await registry.audit.record(
            principal,
            action="export",
            fields=[*EXPORTED_FIELDS, *(["id_number"] if revealed else [])],
            member_ids=exported,
            purpose=purpose,
            at=registry.now(),
        )
        # the zip of the whole sheet: in a thread, so the loop keeps serving meanwhile
        return await asyncio.to_thread(sheet.finish)
