"""Staff's window on held events: which events of their members a service has not applied.

A dead letter holds its key (``bus/holds.py``): the event failed for good and every later event
of the same key waits behind it. Operators are alerted (``WarmflowDeadLetters``) and see the
letters at ``/ops/dead-letters``; the staff who manage the member must know too, because the
member's file on this service is stale until ops replay or discard. Each consuming service mounts
this router with its own scope check for one member (the same one its member reads use), so
staff see only the members they may read, and a member out of scope is 404 as everywhere.

Letters concern a member by the event's ``data.member_id`` (transfer and learning events are
keyed by case or enrolment, but name the member) or else by its subject (member events).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from warmflow_shared.audit.reads import record_read
from warmflow_shared.auth.deps import require_roles
from warmflow_shared.auth.principal import Principal
from warmflow_shared.bus.deadletter import DEAD
from warmflow_shared.bus.port import DeadLetter
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.runtime import ServiceRuntime
from warmflow_shared.scope import STAFF, organisations_of, sees_member
from warmflow_shared.storage.port import Collection

MemberCheck = Callable[[Principal, str], Awaitable[object]]
"""Raises ``NotFound`` (or ``Forbidden``) when the caller may not read this member here; else
returns what the service knows of the member (a mapping or a model with ``name``), or None."""

Staff = Annotated[Principal, require_roles(*STAFF)]
MemberId = Annotated[str, Path(min_length=1, max_length=100)]

SERVICE_NAMES = {
    "registry": "党员档案",
    "transfers": "组织关系转接",
    "learning": "学习教育",
    "notify": "消息通知",
    "support": "关爱帮扶",
}
AREAS = {"registry": "档案", "transfers": "转接", "learning": "学习", "support": "帮扶"}


def by_counties(
    get: Callable[[str], Awaitable[Mapping[str, Any] | None]], organisations: Collection
) -> MemberCheck:
    """For a service whose member projection keeps the member's outflow and inflow sides: the
    staff of either county, org admins and site staff only for their organisations' subtrees
    (from the service's copy of the organisations; the rule of its member reads), else 404."""

    async def check(principal: Principal, member_id: str) -> Mapping[str, Any]:
        member = await get(member_id)
        orgs = await organisations_of(organisations, principal)
        # the routes admit staff only, so this is: staff of either side's county (or subtree)
        if member is None or not sees_member(principal, member, agreements=None, orgs=orgs):
            raise NotFound("未找到该党员")
        return member

    return check


def reason(letter: DeadLetter) -> str:
    """Plain Chinese for the staff: what happened, that ops know, what it means for the file."""
    parts = letter.original_topic.split(".")
    area = AREAS.get(parts[1] if len(parts) > 1 else "", "")
    if letter.kind == DEAD:
        return f"该党员的一条{area}事件处理失败，已通知运维，处理前后续变更暂缓"
    return f"该党员的一条{area}事件排在一条处理失败的事件之后，已通知运维，处理前暂缓"


def _fields(letter: DeadLetter) -> dict[str, Any]:
    try:
        fields = orjson.loads(letter.record.value)
    except orjson.JSONDecodeError:
        return {}
    return fields if isinstance(fields, dict) else {}


def member_of(letter: DeadLetter) -> str | None:
    fields = _fields(letter)
    data = fields.get("data")
    member = data.get("member_id") if isinstance(data, dict) else None
    if isinstance(member, str) and member:
        return member
    subject = fields.get("subject")
    if isinstance(subject, str) and subject:
        return subject
    key = letter.record.key
    return key.decode(errors="replace") if key else None


class HeldEvent(BaseModel):
    member_id: str
    member_name: str | None = None
    """As this service knows the member (the work list shows it); None if it does not."""
    service: str
    service_name: str
    group: str
    letter_id: str
    kind: str
    """``dead`` (failed, holds what follows) or ``parked`` (waits behind a dead letter)."""
    event_type: str | None
    since: str
    reason: str
    ops_notified: bool
    """Always true: every dead letter raises the ``WarmflowDeadLetters`` alert and is on the ops
    list until it is replayed or discarded."""


class HeldEvents(BaseModel):
    service: str
    member_id: str
    held: bool
    since: str | None
    """When the oldest of them failed."""
    items: list[HeldEvent]


def _view(service: str, member_id: str, letter: DeadLetter) -> HeldEvent:
    event_type = _fields(letter).get("type")
    return HeldEvent(
        member_id=member_id,
        service=service,
        service_name=SERVICE_NAMES.get(service, service),
        group=letter.group,
        letter_id=letter.letter_id,
        kind=letter.kind,
        event_type=event_type if isinstance(event_type, str) else None,
        since=letter.failed_at,
        reason=reason(letter),
        ops_notified=True,
    )


async def held_events(runtime: ServiceRuntime) -> list[HeldEvent]:
    """Every unresolved letter of every group of the service, oldest first, with its member."""
    found: list[HeldEvent] = []
    for group in sorted({subscription.group for subscription in runtime.subscriptions}):
        for letter in (await runtime.desk.book(group)).unresolved():
            member = member_of(letter)
            if member is not None:
                found.append(_view(runtime.service, member, letter))
    return sorted(found, key=lambda x: x.since)


def name_of(member: object) -> str | None:
    """The member's name from what a scope check returned: a projection's mapping or a model."""
    name = member.get("name") if isinstance(member, Mapping) else getattr(member, "name", None)
    return name if isinstance(name, str) and name else None


def held_router(runtime: ServiceRuntime, check: MemberCheck) -> APIRouter:
    router = APIRouter(tags=["held events"])

    @router.get("/members/{member_id}/held-events", name="get_member_held_events")
    async def of_member(member_id: MemberId, principal: Staff, request: Request) -> HeldEvents:
        """The member's events this service holds (dead or parked letters); 404 out of scope."""
        await check(principal, member_id)
        items = [x for x in await held_events(runtime) if x.member_id == member_id]
        await _audit(request, principal, [member_id])
        return HeldEvents(
            service=runtime.service,
            member_id=member_id,
            held=bool(items),
            since=items[0].since if items else None,
            items=items,
        )

    @router.get("/held-events", name="list_held_events")
    async def in_scope(principal: Staff, request: Request) -> list[HeldEvent]:
        """For the work lists: held events of the members the caller may read, oldest first."""
        items = await held_events(runtime)
        names: dict[str, str | None] = {}  # the members the caller may read, by id
        for member in {x.member_id for x in items}:
            with contextlib.suppress(NotFound, Forbidden):  # not the caller's to read
                names[member] = name_of(await check(principal, member))
        shown = [
            x.model_copy(update={"member_name": names[x.member_id]})
            for x in items
            if x.member_id in names
        ]
        await _audit(request, principal, sorted({x.member_id for x in shown}))
        return shown

    return router


async def _audit(request: Request, principal: Principal, member_ids: list[str]) -> None:
    """A read of which members have stalled files is a read about those members: audited."""
    await record_read(
        request, principal, action="held-events.read", fields=["held_events"], member_ids=member_ids
    )
