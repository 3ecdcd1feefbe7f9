"""Reads: the caller's inbox and the delivery log (what was sent to whom, when, did it arrive)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from warmflow_shared.agreements import MANAGEMENT, shares
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import BadValue, NotFound
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.change import retry_on_conflict
from warmflow_shared.scope import SUBTREE_ROLES, organisations_of
from warmflow_shared.storage.port import Filter

from warmflow_notify.domain.model import CHANNEL_NAMES
from warmflow_notify.domain.notice import read
from warmflow_notify.service_layer.directory import Directory
from warmflow_notify.service_layer.projections import Projections

SCAN_BATCH = 500  # notices read at a time while a county's page fills


class Inbox:
    def __init__(self, notices: AggregateStore, clock: Callable[[], datetime]) -> None:
        self.notices = notices
        self._clock = clock

    def _where(self, recipient: str, unread_only: bool) -> Filter:
        where: dict[str, Any] = {
            "state.recipient": recipient,
            "state.channel": "in_app",
            "state.status": "delivered",
        }
        if unread_only:
            where["state.read_at"] = None
        return where

    async def list(
        self,
        recipient: str,
        *,
        unread_only: bool,
        limit: int,
        offset: int = 0,
        before: str | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first. ``before`` (the notice_id of the last one shown) continues after it, so
        a notice arriving meanwhile neither shows twice nor pushes one out of sight, as paging
        by ``offset`` did (still accepted, for a first page or an old client)."""
        where = self._where(recipient, unread_only)
        if before is not None:
            where = _older(where, await self._anchor(recipient, before), before)
        docs = await self.notices.collection.find(
            where, sort=[("state.created_at", -1), ("_id", 1)], skip=offset, limit=limit
        )
        return [doc["state"] for doc in docs]

    async def _anchor(self, recipient: str, notice_id: str) -> str:
        loaded = await self.notices.load(notice_id)
        if loaded is None or loaded.state.get("recipient") != recipient:
            raise BadValue("before", "收件箱中没有这条通知，请从第一页重新查看")
        return str(loaded.state["created_at"])

    async def unread(self, recipient: str) -> int:
        return await self.notices.collection.count(self._where(recipient, True))

    async def mark_read(self, recipient: str, notice_id: str) -> dict[str, Any]:
        """Idempotent: a read sent twice at once (a double tap) finds the notice read."""

        async def attempt() -> dict[str, Any]:
            loaded = await self.notices.load(notice_id)
            state = loaded.state if loaded else {}
            mine = loaded is not None and state.get("recipient") == recipient
            if not mine or state["channel"] != "in_app":
                raise NotFound("收件箱中没有这条通知")
            if state.get("read_at"):
                return state
            new = read(state, self._clock())
            await self.notices.save(notice_id, new, expected=loaded)
            return new

        return await retry_on_conflict(attempt)


class DeliveryLog:
    def __init__(
        self,
        notices: AggregateStore,
        projections: Projections,
        clock: Callable[[], datetime],
        directory: Directory | None = None,
    ) -> None:
        self.notices = notices
        self._projections = projections
        self._clock = clock
        self._directory = directory

    async def recipient_names(self, states: list[dict[str, Any]]) -> dict[str, str]:
        """What people read for the log's recipient ids, in three reads whatever the page size:
        members by their projected name, staff by the directory, a group bot by its
        organisation. An id nobody knows (a staff member not on the directory) gets no name."""
        ids: dict[str, set[str]] = {"member": set(), "staff": set(), "bot": set()}
        for state in states:
            kind, _, key = str(state.get("recipient", "")).partition(":")
            if kind in ids and key:
                ids[kind].add(key)
        members = await self._projections.get_many("members", sorted(ids["member"]))
        orgs = await self._projections.get_many("organisations", sorted(ids["bot"]))
        staff = await self._directory.staff_many(sorted(ids["staff"])) if self._directory else {}
        names = {f"member:{k}": v.get("name") for k, v in members.items()}
        names |= {f"staff:{k}": v.get("name") for k, v in staff.items()}
        names |= {
            f"bot:{k}": f"{v['name']}{CHANNEL_NAMES['webhook']}"
            for k, v in orgs.items()
            if v.get("name")
        }
        return {rid: name for rid, name in names.items() if name}

    async def _visible(
        self, county: str, reader: Principal | None
    ) -> Callable[[dict[str, Any]], bool]:
        """Notices about the county's organisations; about another county's member only while
        an agreement in force lets the county's staff see that member (as the registry does), or
        while the county is a party to the transfer the notice is about (as transfers does).
        Org admins and site staff (``reader``): only notices about their organisations' subtrees
        (or, site staff, their site), read once per call, as the registry scopes their members."""
        agreements, now = await self._projections.agreements(), self._clock()
        bound = reader is not None and reader.role in SUBTREE_ROLES
        organisations = self._projections.by_name["organisations"].collection
        orgs = await organisations_of(organisations, reader) if reader and bound else None
        site = reader.site_id if reader is not None and reader.role == "site_staff" else None

        def mine(state: dict[str, Any]) -> bool:
            if site is not None and site in state.get("site_ids", []):
                return True
            return bool(orgs and orgs.intersection(state.get("org_ids", [])))

        def visible(state: dict[str, Any]) -> bool:
            if county not in state.get("counties", []) or (bound and not mine(state)):
                return False
            if county in state.get("parties", []):  # a transfer's sending or receiving county
                return True
            if owner := state.get("owner_county"):  # a support case: by the case's own area
                purpose = state.get("purpose") or MANAGEMENT
                return owner == county or shares(agreements, county, owner, now, purpose)
            return shares(agreements, county, state.get("home_county"), now)

        return visible

    async def find(
        self,
        *,
        recipient: str | None,
        event_id: str | None,
        status: str | None,
        county: str | None,
        limit: int,
        before: str | None = None,
        reader: Principal | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first, ``limit`` at a time; ``before`` (a notice id of the page read last, one
        the caller may see) continues after it, so new notices never shift the next page.
        ``county`` keeps only notices about that county's organisations: the store is read in
        batches until the page is full or the log ends, however far back the county's are;
        ``reader``, an org admin or site staff, narrows it to their subtrees (``_visible``)."""
        base: dict[str, Any] = {
            key: value
            for key, value in (
                ("state.recipient", recipient),
                ("state.event_id", event_id),
                ("state.status", status),
            )
            if value
        }
        after = str((await self._anchor(before, county, reader))["created_at"]) if before else ""
        visible = await self._visible(county, reader) if county is not None else None
        states: list[dict[str, Any]] = []
        batch = limit if visible is None else SCAN_BATCH
        while len(states) < limit:
            where = base if before is None else _older(base, after, before)
            docs = await self.notices.collection.find(
                where, sort=[("state.created_at", -1), ("_id", 1)], limit=batch
            )
            states += [d["state"] for d in docs if visible is None or visible(d["state"])]
            if len(docs) < batch:
                break
            before, after = docs[-1]["_id"], docs[-1]["state"]["created_at"]
        return states[:limit]

    async def _anchor(
        self, notice_id: str, county: str | None, reader: Principal | None
    ) -> dict[str, Any]:
        try:
            return await self.get(notice_id, county, reader)
        except NotFound:
            raise BadValue("before", "没有这条投递记录，请从第一页重新查看") from None

    async def get(
        self, notice_id: str, county: str | None, reader: Principal | None = None
    ) -> dict[str, Any]:
        loaded = await self.notices.load(notice_id)
        if loaded is None or (
            county is not None and not (await self._visible(county, reader))(loaded.state)
        ):
            raise NotFound("没有这条投递记录")
        return loaded.state


def _older(where: Filter, created_at: str, notice_id: str) -> Filter:
    """``where``, after the notice (``created_at``, ``notice_id``) in the log's order."""
    after = {
        "$or": [
            {"state.created_at": {"$lt": created_at}},
            {"state.created_at": created_at, "_id": {"$gt": notice_id}},
        ]
    }
    return {"$and": [dict(where), after]} if where else after
