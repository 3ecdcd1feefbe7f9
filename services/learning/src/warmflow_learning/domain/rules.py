"""The rules of enrolment, attendance, completion and activities: pure, ``now`` passed in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from warmflow_shared.errors import BadValue, RuleBroken

from warmflow_learning.domain.model import (
    ATTENDED,
    Activity,
    Hold,
    Klass,
    Mark,
    Participant,
    Room,
    Seat,
    Session,
    Status,
    Timetable,
)
from warmflow_learning.domain.scheduling import Interval, first_overlap


def class_capacity(klass: Klass, sessions: Iterable[Session], now: datetime) -> int | None:
    """A cohort cannot be larger than its smallest room (those of lessons being saved too)."""
    sessions = list(sessions)
    rooms = rooms_in_use(klass, {s.id for s in sessions}, now).values()
    limits = [s.capacity for s in sessions if not s.online] + [room.capacity for room in rooms]
    if klass.capacity is not None:
        limits.append(klass.capacity)
    return min(limits) if limits else None


# How long a booked room counts without its lesson: far longer than saving the lesson takes (a
# write gives up after seconds), short enough that one left by a crash between the booking and
# the lesson's save soon stops lowering the class's capacity (either side of the clock: a
# booking made under a clock moved forward, or by a process whose clock is a little ahead).
BOOKING_MINUTES = 5


def rooms_in_use(klass: Klass, lesson_ids: set[str], now: datetime) -> dict[str, Room]:
    """The booked rooms that count: those of saved lessons (``lesson_ids``) and of lessons that
    may still be being saved; a room booked longer ago whose lesson is missing is lost."""
    fresh = timedelta(minutes=BOOKING_MINUTES)

    def in_use(session_id: str, room: Room) -> bool:
        booked = room.booked_at
        return session_id in lesson_ids or (booked is not None and abs(now - booked) < fresh)

    return {sid: room for sid, room in klass.rooms.items() if in_use(sid, room)}


def drop_lost_rooms(klass: Klass, lesson_ids: set[str], now: datetime) -> None:
    klass.rooms = rooms_in_use(klass, lesson_ids, now)


def check_room_fits(klass: Klass, capacity: int, online: bool) -> None:
    """A lesson in a room smaller than the cohort already seated would leave the class over its
    capacity (``class_capacity``): refused at the room's capacity."""
    seated = len(klass.members)
    if not online and capacity < seated:
        reason = f"本班次已有 {seated} 人报名，线下课次的容纳人数不能少于报名人数"
        raise BadValue("body.capacity", reason)


def book_room(klass: Klass, session_id: str, capacity: int, online: bool, now: datetime) -> None:
    """The lesson's room, on the class (``Klass.rooms``), once it fits the seated cohort."""
    check_room_fits(klass, capacity, online)
    if not online:
        klass.rooms[session_id] = Room(capacity=capacity, booked_at=now)


# How long a hold counts without its seat: far longer than an enrolment takes (a seat's write
# gives up after seconds), short enough that one left by a crash soon stops blocking the member.
HOLD_MINUTES = 5


def check_can_enrol(klass: Klass, member_id: str, capacity: int | None) -> None:
    if klass.status != "open":
        raise RuleBroken(f"班次《{klass.title}》已结束报名")
    if member_id in klass.members:
        raise RuleBroken(f"该党员已报名班次《{klass.title}》，请勿重复报名")
    if capacity is not None and len(klass.members) >= capacity:
        raise RuleBroken(f"班次《{klass.title}》名额已满（{capacity} 人）")


def check_no_clash(new: list[Interval], booked: list[Interval]) -> None:
    clash = first_overlap(new, booked)
    if clash is not None:
        mine, other = clash
        raise RuleBroken(f"时间冲突：本班次「{mine.label}」与已报名的「{other.label}」时间重叠")


def holds_in_flight(table: Timetable, now: datetime) -> dict[str, Hold]:
    """The holds of enrolments that may still be taking their seat (older ones have their seat,
    or were left by a process that died: either way the seats alone tell)."""
    fresh = timedelta(minutes=HOLD_MINUTES)
    return {class_id: h for class_id, h in table.holds.items() if now - h.at < fresh}


def check_not_over_for_member(klass: Klass, now: datetime) -> None:
    """A member cannot sign up for a class whose last lesson is over (staff may record a seat
    afterwards, e.g. for someone who attended without having enrolled)."""
    if has_ended(klass, now):
        raise RuleBroken(f"班次《{klass.title}》的课程已全部结束，不能再报名")


def enrol(klass: Klass, member_id: str, enrolment_id: str, by: str, now: datetime) -> Seat:
    seat = Seat(enrolment_id=enrolment_id, enrolled_at=now, by=by)
    klass.members[member_id] = seat
    return seat


def cancel(klass: Klass, member_id: str, *, by_member: bool, now: datetime) -> Seat:
    """Staff may still correct a roster after the last lesson; the member no longer (the seat
    is what their attendance and the 参学率 were counted against)."""
    seat = klass.members.get(member_id)
    if seat is None:
        raise RuleBroken("该党员未报名此班次，无法取消")
    if by_member and has_ended(klass, now):
        raise RuleBroken(f"班次《{klass.title}》的课程已全部结束，不能再取消报名")
    if seat.completed_at is not None:
        raise RuleBroken("该党员已结业，不能取消报名")
    del klass.members[member_id]
    return seat


def check_enrolled(klass: Klass, member_id: str) -> None:
    if member_id not in klass.members:
        raise RuleBroken(f"该党员未报名班次《{klass.title}》，不能记录考勤")


def check_in_window(session: Session, now: datetime, early: timedelta) -> None:
    if now < session.starts_at - early:
        raise RuleBroken("签到尚未开始：签到码只在课程进行期间有效")
    if now > session.ends_at:
        raise RuleBroken("签到已结束：签到码只在课程进行期间有效")


def check_in_place(session: Session, site_id: str | None) -> None:
    """An on-site session's code works only with its own site's poster (site id and code)."""
    if session.site_id is None:
        return
    if site_id is None:
        raise BadValue("body.site_id", "现场课程签到请扫描站点二维码（需提供站点 site_id）")
    if site_id != session.site_id:
        raise RuleBroken("签到码仅在本课程所在的暖流之家站点有效")


def self_check_in_status(session: Session, now: datetime, late_after: timedelta) -> Status:
    return "late" if now > session.starts_at + late_after else "present"


def mark(
    session: Session, member_id: str, status: Status, by: str, now: datetime, *, own: bool
) -> None:
    """``own``: the member checks in with the session code (once); staff may correct a mark."""
    if own and member_id in session.attendance:
        raise RuleBroken("您已签到，无需重复签到")
    session.attendance[member_id] = Mark(status=status, at=now, by=by)


def attended_hours(sessions: Iterable[Session], member_id: str) -> tuple[int, float]:
    """How many of ``sessions`` the member attended (present or late), and their hours."""
    count, hours = 0, 0.0
    for session in sessions:
        marked = session.attendance.get(member_id)
        if marked is not None and marked.status in ATTENDED:
            count, hours = count + 1, hours + session.hours
    return count, round(hours, 2)


def meets_completion(attended: int, total: int, share: float) -> bool:
    # integers compared, so 3 of 4 meets 0.75 without float rounding surprises
    return total > 0 and attended * 10_000 >= round(share * 10_000) * total


def has_ended(klass: Klass, now: datetime) -> bool:
    return klass.ends_at is not None and klass.ends_at <= now


Judgement = Literal["completed", "revised", "withdrawn"]


def judge_completion(
    klass: Klass, member_id: str, attended: int, total: int, hours: float, now: datetime
) -> Judgement | None:
    """After the class ended, from the final attendance: what changes for the member's seat.

    ``completed`` (first time it meets the rule), ``revised`` (still meets it, other hours),
    ``withdrawn`` (a correction took it below the rule), or None (nothing changes).
    """
    seat = klass.members.get(member_id)
    if seat is None or not has_ended(klass, now):
        return None
    meets = meets_completion(attended, total, klass.completion_share)
    if meets and seat.completed_at is None:
        seat.completed_at, seat.hours = now, hours
        return "completed"
    if meets and seat.hours != hours:
        seat.hours = hours
        return "revised"
    if not meets and seat.completed_at is not None:
        seat.completed_at, seat.hours = None, 0.0
        return "withdrawn"
    return None


def check_not_ahead(session: Session, status: Status, now: datetime, early: timedelta) -> None:
    """Present or late can only be recorded once the session is (about to be) under way."""
    if status in ATTENDED and now < session.starts_at - early:
        raise RuleBroken("课程尚未开始，不能登记为出勤或迟到")


def sign_up(activity: Activity, member_id: str, by: str, now: datetime) -> None:
    if member_id in activity.participants:
        raise RuleBroken(f"该党员已报名活动《{activity.title}》，请勿重复报名")
    if now > activity.ends_at:
        raise RuleBroken(f"活动《{activity.title}》已结束，不能报名")
    if len(activity.participants) >= activity.capacity:
        raise RuleBroken(f"活动《{activity.title}》名额已满（{activity.capacity} 人）")
    activity.participants[member_id] = Participant(signed_up_at=now, by=by)


def attend_activity(activity: Activity, member_id: str, now: datetime) -> None:
    participant = activity.participants.get(member_id)
    if participant is None:
        raise RuleBroken(f"该党员未报名活动《{activity.title}》，不能记录参加")
    if participant.attended:
        raise RuleBroken("已记录该党员参加此活动，积分不重复发放")
    if now < activity.starts_at:
        raise RuleBroken("活动尚未开始，不能记录参加")
    participant.attended = True
