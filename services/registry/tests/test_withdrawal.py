"""Self-withdrawal (自行脱党待认定): six calendar months without organisational life, or without
dues — flagged once with what is missing and since when, cleared by a record or a dismissal."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from warmflow_registry.domain import withdrawal
from warmflow_registry.domain.mobility import Actor
from warmflow_registry.domain.model import Member
from warmflow_registry.service_layer.views import summary
from warmflow_shared.errors import RuleBroken

from .ids import member_file

STAFF = Actor("staff-1", "org_admin")


def _member(
    *,
    org_life: date | None,
    dues: date | None,
    paid_until: str | None = None,
    status: str = "at_home",
) -> Member:
    member = member_file(status or "at_home", registered_on=date(2024, 1, 1))
    member.profile.dues_paid_until = paid_until
    member.last_org_life_on, member.last_dues_on = org_life, dues
    return member


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in China, same day


@pytest.mark.parametrize(
    ("last", "still_within", "flagged_from"),
    [
        (date(2026, 1, 15), date(2026, 7, 15), date(2026, 7, 16)),
        # month ends: six months after 31 August is 28 February (no 31st, no 29th in 2027)
        (date(2026, 8, 31), date(2027, 2, 28), date(2027, 3, 1)),
        # 29 February: six months later is 29 August, flagged from the 30th
        (date(2024, 2, 29), date(2024, 8, 29), date(2024, 8, 30)),
        # 31 March → 30 September
        (date(2025, 3, 31), date(2025, 9, 30), date(2025, 10, 1)),
    ],
)
def test_more_than_six_calendar_months_without_org_life(
    last: date, still_within: date, flagged_from: date
) -> None:
    member = _member(org_life=last, dues=flagged_from)
    assert withdrawal.grounds(member, _at(still_within)) == {}
    assert withdrawal.grounds(member, _at(flagged_from)) == {"org_life": last}


def test_dues_count_from_the_later_of_the_last_payment_and_the_paid_until_month() -> None:
    # paid until February 2026 covers the whole month: six months after 28 February is 28 August
    member = _member(org_life=date(2026, 8, 1), dues=date(2025, 12, 1), paid_until="2026-02")
    assert withdrawal.grounds(member, _at(date(2026, 8, 28))) == {}
    assert withdrawal.grounds(member, _at(date(2026, 8, 29))) == {"dues": date(2026, 2, 28)}
    # a payment recorded later than the paid-until month's end counts from that payment
    member.last_dues_on = date(2026, 4, 10)
    assert withdrawal.grounds(member, _at(date(2026, 8, 29))) == {}


def test_a_member_with_nothing_recorded_counts_from_registration() -> None:
    member = _member(org_life=None, dues=None)
    assert withdrawal.grounds(member, _at(date(2024, 7, 2))) == {
        "org_life": date(2024, 1, 1),
        "dues": date(2024, 1, 1),
    }


def test_flagged_once_with_both_grounds_and_the_earlier_since() -> None:
    member = _member(org_life=date(2026, 1, 10), dues=date(2026, 2, 20))
    now = _at(date(2026, 9, 1))
    [event] = withdrawal.flag(member, now=now)
    assert event.kind == "self_withdrawal_flagged"
    assert event.fields["grounds"] == ["dues", "org_life"]
    assert event.fields["since"] == date(2026, 1, 10)
    assert (event.fields["org_life_since"], event.fields["dues_since"]) == (
        date(2026, 1, 10),
        date(2026, 2, 20),
    )
    assert withdrawal.flag(member, now=_at(date(2026, 9, 2))) == []  # once
    assert member.status == "at_home"  # people decide: the status does not change
    view = summary(member)
    assert (
        view.withdrawal_name == "自行脱党待认定（六个月以上未交纳党费、六个月以上未参加组织生活）"
    )
    assert view.withdrawal_since == date(2026, 1, 10)


@pytest.mark.parametrize("status", ["suspended", "removed", "lost_contact"])
def test_not_for_suspended_removed_or_lost_members(status: str) -> None:
    member = _member(org_life=None, dues=None, status=status)
    assert withdrawal.flag(member, now=_at(date(2026, 9, 1))) == []
    assert member.withdrawal is None


def test_recording_what_is_missing_clears_the_flag_ground_by_ground() -> None:
    member = _member(org_life=date(2026, 1, 10), dues=date(2026, 2, 20))
    now = _at(date(2026, 9, 1))
    withdrawal.flag(member, now=now)
    assert withdrawal.record(member, "dues", date(2026, 8, 30), now=now, actor=STAFF) == []
    assert member.withdrawal is not None and member.withdrawal.grounds == ["org_life"]
    # an org life dated more than six months back does not answer the flag
    assert withdrawal.record(member, "attendance", date(2026, 2, 1), now=now, actor=STAFF) == []
    [event] = withdrawal.record(member, "attendance", date(2026, 8, 31), now=now, actor=STAFF)
    assert event.kind == "self_withdrawal_cleared"
    assert (event.fields["how"], event.fields["cleared_on"]) == ("recorded", date(2026, 9, 1))
    assert member.withdrawal is None


def test_a_branch_dismissal_clears_it_and_counting_restarts() -> None:
    member = _member(org_life=date(2026, 1, 10), dues=date(2026, 1, 10))
    with pytest.raises(RuleBroken):
        withdrawal.dismiss(member, reason="支部会议认定", now=_at(date(2026, 9, 1)), actor=STAFF)
    withdrawal.flag(member, now=_at(date(2026, 9, 1)))
    [event] = withdrawal.dismiss(
        member,
        reason="因病住院，经支部会议认定不属自行脱党",
        now=_at(date(2026, 9, 3)),
        actor=STAFF,
    )
    assert (event.fields["how"], event.fields["decided_by"]) == ("dismissed", "staff-1")
    assert event.fields["reason"] == "因病住院，经支部会议认定不属自行脱党"
    assert withdrawal.flag(member, now=_at(date(2027, 3, 3))) == []
    assert withdrawal.flag(member, now=_at(date(2027, 3, 4)))  # six more months without either


def test_a_roster_s_dues_paid_until_counts_as_it_reads() -> None:
    """A file registered on 1 January 2024 whose 党费交至 reads 2023-05: no dues since 31 May
    2023, flagged from 1 December 2023 on — from the first sweep after it is filed."""
    member = _member(org_life=date(2024, 1, 1), dues=None, paid_until="2023-05")
    assert withdrawal.grounds(member, _at(date(2024, 1, 2))) == {"dues": date(2023, 5, 31)}
    assert withdrawal.next_due(member) == date(2023, 11, 30)
    assert withdrawal.first_due(member.registered_on, member.profile) == date(2023, 11, 30)
