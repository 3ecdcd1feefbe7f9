"""A lesson in a small room and an enrolment at the same moment: the class never ends up with
more seats than its smallest room (the store decides, not the order the requests happened in)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from warmflow_learning.domain import rules
from warmflow_learning.domain.model import Klass
from warmflow_shared.events.contracts import IntegrationEvent
from warmflow_shared.outbox.change import change_model

from .support import T0

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROUNDS = 6


async def test_a_small_room_and_an_enrolment_at_once_never_overfill_the_class(world) -> None:
    """Scheduling read the class's seats, enrolling read the class's lessons, each before the
    other was saved: both were taken and a room of 1 held a class of 2."""
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    firsts = await world.members(*({} for _ in range(ROUNDS)))
    seconds = await world.members(*({} for _ in range(ROUNDS)))
    classes = []
    for first in firsts:
        course, klass = await world.course_class(staff)
        seated = await world.post(f"/classes/{klass}/enrolments", {"member_id": first}, staff)
        assert seated.status_code == 201, seated.text
        classes.append((course, klass))
    starts = world.local(2, "19:00")

    async def small_room(course: str, klass: str) -> int:
        body = world.lesson(course, starts, site_id=site, capacity=1)
        return (await world.post(f"/classes/{klass}/sessions", body, staff)).status_code

    async def enrol(klass: str, member: str) -> int:
        body = {"member_id": member}
        return (await world.post(f"/classes/{klass}/enrolments", body, staff)).status_code

    outcomes = await asyncio.gather(
        *(
            asyncio.gather(small_room(course, klass), enrol(klass, member))
            for (course, klass), member in zip(classes, seconds, strict=True)
        )
    )
    for (_, klass), (scheduled, enrolled) in zip(classes, outcomes, strict=True):
        assert sorted([scheduled, enrolled]) in ([201, 409], [201, 422]), (scheduled, enrolled)
        seats = len((await world.get(f"/classes/{klass}", staff)).json()["members"])
        rooms = (await world.get(f"/classes/{klass}/sessions", staff)).json()
        assert seats <= min([r["capacity"] for r in rooms], default=seats), (seats, rooms)


async def test_a_room_booked_for_a_lesson_a_crash_kept_from_being_saved_stops_counting(
    world,
) -> None:
    """Scheduling books the room on the class, then saves the lesson: a process that died in
    between left the class's capacity lowered for good by a lesson that did not exist."""
    staff = world.auth("county_admin", "yuhang")
    _, klass = await world.course_class(staff)
    first, second = await world.members({}, {})
    seated = await world.post(f"/classes/{klass}/enrolments", {"member_id": first}, staff)
    assert seated.status_code == 201, seated.text

    def booked(item: Klass) -> list[IntegrationEvent]:  # the class as the crash left it
        rules.book_room(item, "ses-never-saved", 1, False, world.clock.now())
        return []

    await change_model(world.ctx.classes, Klass, klass, "班次", booked)
    body = {"member_id": second}
    in_flight = await world.post(f"/classes/{klass}/enrolments", body, staff)
    assert in_flight.status_code == 409, in_flight.text  # the lesson may still be being saved
    world.clock.set(T0 + timedelta(minutes=rules.BOOKING_MINUTES))
    view = (await world.get(f"/classes/{klass}", staff)).json()
    assert view["rooms"] == {}, view["rooms"]
    later = await world.post(f"/classes/{klass}/enrolments", body, staff)
    assert later.status_code == 201, later.text
    stored = await world.ctx.classes.load(klass)
    assert stored.state["rooms"] == {}  # dropped by the class's next write
