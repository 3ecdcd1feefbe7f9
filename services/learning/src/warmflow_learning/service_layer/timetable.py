"""The time-clash rule under concurrency: a member's classes, and the seats being taken now.

Two enrolments of one member at once each read the member's seats before the other's was saved,
so both passed the clash check. Now every enrolment first holds its class in the member's
``Timetable`` (one conditional write per member), checking against the member's seats and the
other holds: of two racing writes the second is refused, runs again and sees the first's hold.
"""

from __future__ import annotations

from warmflow_shared.outbox.change import retry_on_conflict
from warmflow_shared.outbox.repo import find_models

from warmflow_learning.domain import rules
from warmflow_learning.domain.model import Hold, Klass, Session, Timetable
from warmflow_learning.domain.scheduling import Interval
from warmflow_learning.service_layer.context import Learning


async def sessions_of(ctx: Learning, class_ids: list[str]) -> list[Session]:
    if not class_ids:
        return []
    where = {"state.class_id": {"$in": class_ids}}
    return await find_models(ctx.sessions, Session, where, sort=[("state.starts_at", 1)])


async def classes_of(ctx: Learning, member_id: str) -> list[Klass]:
    return await find_models(ctx.classes, Klass, {f"state.members.{member_id}": {"$exists": True}})


def intervals(sessions: list[Session], titles: dict[str, str]) -> list[Interval]:
    return [
        Interval(s.starts_at, s.ends_at, f"{titles.get(s.class_id, '')}·{s.course_title}")
        for s in sessions
    ]


async def hold(ctx: Learning, member_id: str, klass: Klass, sessions: list[Session]) -> None:
    """Hold ``klass`` for the member, or ``RuleBroken`` naming the class its lessons clash with."""
    now = ctx.clock.now()
    new = intervals(sessions, {klass.id: klass.title})

    async def attempt() -> None:
        loaded = await ctx.timetables.load(member_id)  # read before the seats: see the module
        table = Timetable.model_validate(loaded.state) if loaded else Timetable(member_id=member_id)
        held = rules.holds_in_flight(table, now)
        held.pop(klass.id, None)
        titles = {k.id: k.title for k in await classes_of(ctx, member_id) if k.id != klass.id}
        titles.update((class_id, h.title) for class_id, h in held.items())
        rules.check_no_clash(new, intervals(await sessions_of(ctx, list(titles)), titles))
        table.holds = {**held, klass.id: Hold(title=klass.title, at=now)}
        await ctx.timetables.save(member_id, table.model_dump(mode="json"), expected=loaded)

    await retry_on_conflict(attempt)


async def release(ctx: Learning, member_id: str, class_id: str) -> None:
    """Drop the hold (its seat was refused, or given up: the class no longer blocks others)."""

    async def attempt() -> None:
        loaded = await ctx.timetables.load(member_id)
        if loaded is None or class_id not in loaded.state.get("holds", {}):
            return
        table = Timetable.model_validate(loaded.state)
        del table.holds[class_id]
        await ctx.timetables.save(member_id, table.model_dump(mode="json"), expected=loaded)

    await retry_on_conflict(attempt)
