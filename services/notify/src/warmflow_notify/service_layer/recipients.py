"""Who receives a rule's notices, resolved from notify's own projections and staff directory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warmflow_notify.domain.model import (
    Recipient,
    bot_recipient_id,
    member_recipient_id,
    staff_recipient_id,
)
from warmflow_notify.domain.rules import INFLOW_KEYS, OUTFLOW_KEYS, Rule, Side
from warmflow_notify.service_layer.directory import Directory
from warmflow_notify.service_layer.projections import Projections

Data = Mapping[str, Any]


def _first(data: Data, keys: tuple[str, ...]) -> str | None:
    return next((data[key] for key in keys if data.get(key)), None)


def staff_recipient(doc: Mapping[str, Any]) -> Recipient:
    return Recipient(
        staff_recipient_id(doc["_id"]), "staff", doc.get("name"), doc.get("email"), doc.get("phone")
    )


class Recipients:
    def __init__(self, projections: Projections, directory: Directory) -> None:
        self._projections = projections
        self._directory = directory

    async def resolve(self, rule: Rule, data: Data) -> list[Recipient]:
        found: dict[str, Recipient] = {}
        for side in rule.sides:
            for recipient in await self._side(side, data):
                found.setdefault(recipient.id, recipient)
        return list(found.values())

    async def member(self, member_id: str) -> Recipient:
        state = await self._projections.get("members", member_id) or {}
        return Recipient(
            member_recipient_id(member_id),
            "member",
            state.get("name"),
            state.get("email"),
            state.get("phone"),
        )

    async def names(self, data: Data) -> dict[str, str | None]:
        """Names templates may use, from projections; absent ones stay None (a missing field)."""
        get = self._projections.get
        member = await get("members", data.get("member_id"))
        outflow = await get("organisations", _first(data, OUTFLOW_KEYS))
        inflow = await get("organisations", _first(data, INFLOW_KEYS))
        site = await get("sites", data.get("site_id"))
        return {
            "member_name": member.get("name") if member else None,
            "outflow_org_name": outflow.get("name") if outflow else None,
            "inflow_org_name": inflow.get("name") if inflow else None,
            "site_name": site.get("name") if site else None,
        }

    async def _side(self, side: Side, data: Data) -> list[Recipient]:
        if side == "member":
            return [await self.member(data["member_id"])] if data.get("member_id") else []
        if side == "class":
            return await self._class(data)
        if side == "site":
            site_id = data.get("site_id")
            return (
                [staff_recipient(d) for d in await self._directory.staff_of_site(site_id)]
                if site_id
                else []
            )
        org_id = _first(data, OUTFLOW_KEYS if side == "outflow" else INFLOW_KEYS)
        return await self._organisation(org_id) if org_id else []

    async def _class(self, data: Data) -> list[Recipient]:
        if data.get("member_id"):
            return [await self.member(data["member_id"])]
        return [await self.member(m) for m in await self._projections.enrolled(data["class_id"])]

    async def _organisation(self, org_id: str) -> list[Recipient]:
        staff = [staff_recipient(doc) for doc in await self._directory.staff_of_org(org_id)]
        bot = await self._directory.bot_of_org(org_id)
        if bot is not None:
            staff.append(Recipient(bot_recipient_id(org_id), "bot", webhook_url=bot["url"]))
        return staff
