"""Registering staff contacts and group bots, within the caller's county and organisations."""

from __future__ import annotations

from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import FieldError, Forbidden, InvalidInput

from warmflow_notify.domain.addresses import valid_email, valid_mobile, valid_webhook_url
from warmflow_notify.service_layer.directory import Directory
from warmflow_notify.service_layer.projections import Projections


class DirectoryAdmin:
    def __init__(
        self, directory: Directory, projections: Projections, internal_hosts: bool = False
    ) -> None:
        self.directory = directory
        self.projections = projections
        self.internal_hosts = internal_hosts

    async def put_staff(
        self, principal: Principal, staff_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        _check_contacts(fields)
        if not fields.get("org_id") and not fields.get("site_id"):
            raise InvalidInput(errors=[FieldError("body.org_id", "请填写所属组织或暖流之家")])
        if fields.get("org_id"):
            await self._check_org(principal, fields["org_id"])
        if fields.get("site_id"):
            await self._check_site(principal, fields["site_id"])
        existing = await self.directory.staff_member(staff_id)
        if existing is not None and existing["county"] != principal.county:
            raise Forbidden("该工作人员属于其他县（区），无权修改")
        return await self.directory.put_staff(staff_id, {**fields, "county": principal.county})

    async def put_bot(self, principal: Principal, org_id: str, url: str) -> dict[str, Any]:
        if not valid_webhook_url(url, self.internal_hosts):
            reason = "群机器人地址须为 http(s) 网址，且不能指向本机或内网地址"
            raise InvalidInput(errors=[FieldError("body.url", reason)])
        await self._check_org(principal, org_id, field="path.org_id")
        return await self.directory.put_bot(org_id, {"url": url, "county": principal.county})

    async def list_staff(self, principal: Principal) -> list[dict[str, Any]]:
        return await self.directory.staff_of_county(principal.county or "")

    async def _check_org(
        self, principal: Principal, org_id: str, field: str = "body.org_id"
    ) -> None:
        org = await self.projections.get("organisations", org_id)
        if org is None:
            raise InvalidInput(errors=[FieldError(field, "组织不存在或尚未同步")])
        if org["county"] != principal.county:
            raise Forbidden("该组织不属于您所在的县（区）")
        lineage = await self.projections.lineage(org_id)
        if principal.role == "org_admin" and not any(map(principal.in_organisation, lineage)):
            raise Forbidden("您只能管理本组织及下级组织的通知联系人")

    async def _check_site(self, principal: Principal, site_id: str) -> None:
        site = await self.projections.get("sites", site_id)
        if site is None:
            raise InvalidInput(errors=[FieldError("body.site_id", "暖流之家不存在或尚未同步")])
        if site["county"] != principal.county:
            raise Forbidden("该暖流之家不属于您所在的县（区）")


def _check_contacts(fields: dict[str, Any]) -> None:
    errors = []
    if fields.get("phone") and not valid_mobile(fields["phone"]):
        errors.append(FieldError("body.phone", "手机号码格式不正确（11 位中国大陆手机号）"))
    if fields.get("email") and not valid_email(fields["email"]):
        errors.append(FieldError("body.email", "邮箱地址格式不正确"))
    if errors:
        raise InvalidInput(errors=errors)
