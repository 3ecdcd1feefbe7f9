"""Refusals of learning forms name the field in ``field`` and read as Chinese only: reasons said
请指定组织（org_id）… to staff, under no field of the form (``body``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLOT = {"weekday": 1, "start": "19:00", "end": "21:00"}


def _reasons(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


async def test_one_of_several_fields_is_asked_for_at_a_field_in_chinese(world) -> None:
    staff = world.auth("county_admin", "yuhang")
    site = await world.site()
    course, klass = await world.course_class(staff)
    lesson = world.lesson(course, world.local(1, "19:00"), capacity=10)
    asked = [
        (f"/classes/{klass}/sessions", lesson, "body.site_id"),
        (f"/classes/{klass}/sessions", {**lesson, "site_id": site, "online": True}, "body.site_id"),
        (f"/classes/{klass}/enrolments/batch", {}, "body.org_id"),
        (f"/classes/{klass}/enrolments/batch", {"org_id": "org-nobody-knows"}, "body.org_id"),
        ("/planning/slots", {"candidates": [SLOT]}, "body.org_ids"),
        (f"/classes/{klass}/enrolments", {}, "body.member_id"),
        ("/activities/act-none/sign-ups", {}, "body.member_id"),
    ]
    for url, body, field in asked:
        reasons = _reasons(await world.post(url, body, staff))
        assert list(reasons) == [field], (url, reasons)
        assert not re.search(r"[A-Za-z_]{2,}", reasons[field]), reasons
    # with another field's error, both are named at once
    both = _reasons(
        await world.post(f"/classes/{klass}/sessions", {**lesson, "capacity": 0}, staff)
    )
    assert set(both) == {"body.site_id", "body.capacity"}, both
