"""Enrolment in a class: by the member, or by staff for a list of members or an organisation."""

from __future__ import annotations

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import BadValue, DomainError, Forbidden, RuleBroken
from warmflow_shared.events.catalog.learning import EnrolmentCancelled, EnrolmentCreated
from warmflow_shared.outbox.repo import get_model
from warmflow_shared.scope import STAFF, subtree

from warmflow_learning.domain import rules
from warmflow_learning.domain.model import Klass
from warmflow_learning.service_layer import commands as c
from warmflow_learning.service_layer import timetable
from warmflow_learning.service_layer.catalog import new_id
from warmflow_learning.service_layer.context import Events, Learning
from warmflow_learning.service_layer.scope import (
    Member,
    Sees,
    audience_orgs,
    member_to_change,
    member_to_read,
    seer,
)
from warmflow_learning.service_layer.timetable import classes_of, sessions_of


class EnrolResult(BaseModel):
    member_id: str
    enrolled: bool
    reason: str | None = None


async def enrol(
    ctx: Learning, class_id: str, member: Member, by: str, *, own: bool = False
) -> Klass:
    """``own``: the member signs up themself (only before the class is over). The class is held
    in the member's timetable first (the time-clash check), then the seat taken."""
    member_id = member["member_id"]
    sessions = await sessions_of(ctx, [class_id])
    orgs = await audience_orgs(ctx, member)
    now = ctx.clock.now()

    def take_seat(klass: Klass) -> Events:
        if klass.audience_org_ids and not orgs & set(klass.audience_org_ids):
            raise RuleBroken(f"班次《{klass.title}》不面向该党员所在的组织")
        if own:
            rules.check_not_over_for_member(klass, now)
        rules.check_can_enrol(klass, member_id, rules.class_capacity(klass, sessions, now))
        rules.drop_lost_rooms(klass, {s.id for s in sessions}, now)
        seat = rules.enrol(klass, member_id, new_id("enr"), by, now)
        return [
            EnrolmentCreated(
                enrolment_id=seat.enrolment_id,
                class_id=klass.id,
                member_id=member_id,
                class_title=klass.title,
                org_id=klass.org_id,
                county=klass.county,
            )
        ]

    klass = await get_model(ctx.classes, Klass, class_id, "班次")
    await timetable.hold(ctx, member_id, klass, sessions)
    try:
        return await ctx.change_in_turn(ctx.classes, Klass, class_id, "班次", take_seat)
    except Exception:
        await timetable.release(ctx, member_id, class_id)
        raise


async def enrol_one(ctx: Learning, class_id: str, cmd: c.Enrol, principal: Principal) -> Klass:
    member_id = principal.member_id if principal.role == "member" else cmd.member_id
    if member_id is None:
        raise BadValue("body.member_id", "工作人员代为报名时请指定党员")
    member = await member_to_change(ctx, principal, member_id)
    own = principal.role == "member"
    return await enrol(ctx, class_id, member, principal.subject, own=own)


async def enrol_many(
    ctx: Learning, class_id: str, cmd: c.EnrolMany, principal: Principal
) -> list[EnrolResult]:
    if principal.role not in STAFF:
        raise Forbidden("批量报名仅限工作人员办理")
    member_ids = list(dict.fromkeys(cmd.member_ids))
    if cmd.org_id:
        of_org = await org_members(ctx, cmd.org_id)
        if not of_org and await ctx.organisations.get(cmd.org_id) is None:
            # an id nobody knows enrolled nobody and answered 200 [] (a mistyped id looked
            # like a branch without members)
            raise BadValue("body.org_id", "未找到该党组织")
        member_ids += [m for m in of_org if m not in member_ids]
    see = await seer(ctx, principal)  # agreements and organisations read once for the batch
    return [await _try_enrol(ctx, class_id, m, principal, see) for m in member_ids]


async def _try_enrol(
    ctx: Learning, class_id: str, member_id: str, principal: Principal, see: Sees
) -> EnrolResult:
    try:
        member = await member_to_change(ctx, principal, member_id, see)
        await enrol(ctx, class_id, member, principal.subject)
    except RuleBroken as exc:
        return EnrolResult(member_id=member_id, enrolled=False, reason=str(exc))
    except DomainError as exc:
        return EnrolResult(member_id=member_id, enrolled=False, reason=exc.detail or exc.title)
    return EnrolResult(member_id=member_id, enrolled=True)


async def org_members(ctx: Learning, org_id: str) -> list[str]:
    """Active mobile members on either side of ``org_id`` or of an organisation under it: a
    committee's batch takes its branches' members, as a class for the committee admits them."""
    active = {"state.mobile_status": {"$in": ctx.settings.active_mobile_statuses}}
    orgs = {"$in": sorted(await subtree(ctx.organisations.collection, [org_id]))}
    found: dict[str, None] = {}
    for side in ("state.outflow_org_id", "state.inflow_org_id"):
        docs = await ctx.members.collection.find({side: orgs, **active}, sort=[("_id", 1)])
        found.update((doc["_id"], None) for doc in docs)
    return list(found)


async def cancel(ctx: Learning, class_id: str, member_id: str, principal: Principal) -> None:
    await member_to_change(ctx, principal, member_id)
    now = ctx.clock.now()

    def release(klass: Klass) -> Events:
        seat = rules.cancel(klass, member_id, by_member=principal.role == "member", now=now)
        return [
            EnrolmentCancelled(
                enrolment_id=seat.enrolment_id,
                class_id=klass.id,
                member_id=member_id,
                reason=f"由{'本人' if principal.role == 'member' else '工作人员'}取消",
                class_title=klass.title,
                org_id=klass.org_id,
                county=klass.county,
            )
        ]

    await ctx.change_in_turn(ctx.classes, Klass, class_id, "班次", release)
    await timetable.release(ctx, member_id, class_id)


async def class_for(
    ctx: Learning, class_id: str, principal: Principal
) -> tuple[Klass, dict[str, str]]:
    """The organising county's staff see every seat; others only the members they manage.
    With the class, the names of the seated members the caller manages (the attendance sheet
    and the class page list people, not file ids)."""
    klass = await get_model(ctx.classes, Klass, class_id, "班次")
    docs = await ctx.members.collection.get_many(list(klass.members))
    see = await seer(ctx, principal)
    managed = {doc["_id"]: doc["state"].get("name") for doc in docs if see(doc["state"])}
    names = {member_id: name for member_id, name in managed.items() if name}
    if principal.role in STAFF and principal.county == klass.county:
        return klass, names
    seats = {m: seat for m, seat in klass.members.items() if m in managed}
    return klass.model_copy(update={"members": seats}), names


async def member_classes(ctx: Learning, member_id: str, principal: Principal) -> list[Klass]:
    await member_to_read(ctx, principal, member_id)
    return await classes_of(ctx, member_id)
