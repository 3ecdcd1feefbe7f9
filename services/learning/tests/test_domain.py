"""Pure rules, no I/O: overlaps, free-time fit across time zones, completion, codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from warmflow_learning.domain import codes
from warmflow_learning.domain.model import Klass, Room, Session
from warmflow_learning.domain.participation import (
    in_scope,
    participation,
    record_standing,
    standing_at,
)
from warmflow_learning.domain.rules import (
    BOOKING_MINUTES,
    book_room,
    check_in_place,
    class_capacity,
    meets_completion,
    rooms_in_use,
)
from warmflow_learning.domain.scheduling import (
    Interval,
    Slot,
    first_overlap,
    fits,
    local_slot,
    rank_slots,
)
from warmflow_shared.errors import BadValue, RuleBroken

T = datetime(2031, 3, 3, 11, 0, tzinfo=UTC)  # Monday 19:00 in China


def test_touching_sessions_do_not_overlap_but_crossing_ones_do() -> None:
    a = Interval(T, T + timedelta(hours=2), "a")
    after = Interval(T + timedelta(hours=2), T + timedelta(hours=3), "b")
    inside = Interval(T + timedelta(hours=1), T + timedelta(hours=4), "c")
    assert first_overlap([a], [after]) is None
    assert first_overlap([a], [after, inside]) == (a, inside)


def test_a_session_fits_free_time_in_local_time() -> None:
    slot = local_slot(T, T + timedelta(hours=2), utc_offset_hours=8)
    assert slot == Slot(weekday=1, start="19:00", end="21:00")
    assert fits([Slot(weekday=1, start="18:30", end="21:00")], slot)
    assert not fits([Slot(weekday=1, start="19:30", end="22:00")], slot)
    assert not fits([Slot(weekday=2, start="00:00", end="24:00")], slot)
    late = local_slot(T + timedelta(hours=4), T + timedelta(hours=6), utc_offset_hours=8)
    assert late is None  # 23:00–01:00 crosses midnight


@pytest.mark.parametrize(
    ("attended", "total", "share", "done"),
    [(3, 4, 0.75, True), (2, 4, 0.75, False), (7, 10, 0.7, True), (0, 0, 0.75, False)],
)
def test_completion_share(attended: int, total: int, share: float, done: bool) -> None:
    assert meets_completion(attended, total, share) is done


def test_codes_need_the_key_and_reject_any_change() -> None:
    cert = codes.certificate_id(b"k1", "m-1", "cls-1")
    code = codes.verification_code(b"k1", cert, "m-1", "cls-1")
    assert codes.certificate_of(code) == cert
    assert code != codes.verification_code(b"k2", cert, "m-1", "cls-1")
    assert code != codes.verification_code(b"k1", cert, "m-2", "cls-1")
    session = codes.session_code(b"k1", "ses-1", "site-1", "a", "b")
    assert len(session) == 8 and session != codes.session_code(b"k1", "ses-2", "site-1", "a", "b")


def _session(site_id: str | None) -> Session:
    return Session(
        id="ses-1",
        class_id="cls-1",
        course_id="crs-1",
        course_title="法治讲堂",
        starts_at=T,
        ends_at=T + timedelta(hours=2),
        site_id=site_id,
        online=site_id is None,
        capacity=30,
        county="yuhang",
    )


def test_a_site_session_code_works_only_with_its_own_site() -> None:
    check_in_place(_session("site-1"), "site-1")
    check_in_place(_session(None), None)  # online: no place to prove
    with pytest.raises(RuleBroken):
        check_in_place(_session("site-1"), "site-2")
    with pytest.raises(BadValue) as missing:
        check_in_place(_session("site-1"), None)
    assert missing.value.field == "body.site_id"


def test_slots_ranked_by_free_members_ties_in_given_order() -> None:
    evening, saturday, sunday = (
        Slot(weekday=1, start="19:00", end="21:00"),
        Slot(weekday=6, start="09:00", end="11:00"),
        Slot(weekday=7, start="14:00", end="16:00"),
    )
    free = {
        "a": [Slot(weekday=1, start="18:00", end="22:00")],
        "b": [
            Slot(weekday=6, start="08:00", end="12:00"),
            Slot(weekday=7, start="14:00", end="16:00"),
        ],
        # free from 19:30 only: too late for the evening; on Saturday the whole slot
        "c": [
            Slot(weekday=1, start="19:30", end="21:00"),
            Slot(weekday=6, start="09:00", end="11:00"),
        ],
    }
    ranked = rank_slots([sunday, evening, saturday], free)
    assert [(r.slot, r.free_members) for r in ranked] == [
        (saturday, ("b", "c")),
        (sunday, ("b",)),
        (evening, ("a",)),
    ]


def test_participation_counts_only_those_who_should_have_studied() -> None:
    member = {"outflow_org_id": "o1", "inflow_org_id": "o2", "home_site_id": "s1",
              "outflow_county": "yuexi", "inflow_county": "yuhang"}  # fmt: skip
    assert in_scope(member, "branch", "o1") and in_scope(member, "branch", "o2")
    assert in_scope(member, "county", "yuexi") and not in_scope(member, "county", "songyang")
    assert in_scope(member, "site", "s1") and not in_scope(member, "site", "s2")
    rate = participation({"a", "b", "c", "d"}, {"a", "c", "x"})  # x studied but is not counted
    assert (rate.should, rate.studied, rate.rate) == (4, 2, 0.5)
    assert participation(set(), {"a"}).rate is None


def test_a_check_in_code_typed_on_a_chinese_keyboard_is_the_same_code() -> None:
    """A Chinese IME types full-width letters (ＱＦ６Ｆ…), and people copy the code from the
    sheet in groups: both were 签到码不正确 at the lesson."""
    code = codes.session_code(b"k" * 32, "ses-1", "site-1", "a", "b")
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    for typed in (
        code,
        code.lower(),
        full_width,
        f" {code[:4]} {code[4:]} ",
        code[:4] + "\u3000" + code[4:],
    ):
        assert codes.same_code(typed, code), typed
    assert not codes.same_code(code[:-1] + ("A" if code[-1] != "A" else "B"), code)


def test_a_member_stands_as_first_known_before_it_and_as_changed_after() -> None:
    """A roster imported on 12-07 with lessons of November recorded afterwards: in November the
    members stand where they were first seen (not nowhere: the demo's November rate read 暂无数据);
    a later change dates from its event."""
    member: dict[str, object] = {"inflow_org_id": "org-a", "mobile_status": "checked_in"}
    record_standing(member, "2026-12-07T00:00:00.000000Z")
    member["inflow_org_id"] = "org-b"
    record_standing(member, "2026-12-20T00:00:00.000000Z")
    record_standing(member, "2026-12-21T00:00:00.000000Z")  # no change: no entry
    assert len(member["history"]) == 2  # type: ignore[arg-type]
    assert (
        member["moved_at"] == "2026-12-20T00:00:00.000000Z"
    )  # the last change, not the last event
    at = {"2026-11-30T16:00:00.000000Z": "org-a", "2026-12-19T00:00:00.000000Z": "org-a"}
    at["2026-12-31T00:00:00.000000Z"] = "org-b"
    for moment, org in at.items():
        assert standing_at(member, moment)["inflow_org_id"] == org, moment


def test_before_its_first_day_a_member_stands_as_filed_that_day() -> None:
    """The demo's seed and a roster import file a member at home, then record the outflow and
    the arrival minutes later: November's lessons, entered afterwards, count them as checked in
    (the demo's November rate read 暂无数据: they stood at home, as first recorded)."""
    member: dict[str, object] = {"outflow_org_id": "org-home", "mobile_status": "at_home"}
    record_standing(member, "2026-12-07T03:00:00.000000Z")
    member.update(inflow_org_id="org-a", mobile_status="checked_in")
    record_standing(member, "2026-12-07T03:05:00.000000Z")
    member.update(inflow_org_id=None, mobile_status="returned")
    record_standing(member, "2026-12-09T00:00:00.000000Z")  # a later day: a change of its own
    november = standing_at(member, "2026-11-30T16:00:00.000000Z")
    assert (november["inflow_org_id"], november["mobile_status"]) == ("org-a", "checked_in")
    assert standing_at(member, "2026-12-08T00:00:00.000000Z")["mobile_status"] == "checked_in"
    assert standing_at(member, "2026-12-10T00:00:00.000000Z")["mobile_status"] == "returned"


def test_a_booked_room_without_its_lesson_counts_only_while_the_lesson_may_be_being_saved() -> None:
    stored = {"id": "c", "title": "班", "county": "yuhang", "org_id": "o", "completion_share": 1}
    klass = Klass.model_validate({**stored, "rooms": {"ses-legacy": 1}})  # a bare capacity
    assert klass.rooms == {"ses-legacy": Room(capacity=1)}  # booked before bookings had a time
    book_room(klass, "ses-saved", 30, False, T - timedelta(days=9))
    book_room(klass, "ses-saving", 20, False, T - timedelta(minutes=BOOKING_MINUTES - 1))
    book_room(klass, "ses-lost", 10, False, T - timedelta(minutes=BOOKING_MINUTES))
    book_room(klass, "ses-moved-clock", 5, False, T + timedelta(days=40))
    assert set(rooms_in_use(klass, {"ses-saved"}, T)) == {"ses-saved", "ses-saving"}
    assert class_capacity(klass, [], T) == 20
