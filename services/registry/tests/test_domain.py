"""The pure rules: ID numbers, the file's validation, and every transition legal or not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from warmflow_registry.domain import contact, outflow
from warmflow_registry.domain.errors import InvalidData
from warmflow_registry.domain.idnumber import id_number_problem, mask, normalise
from warmflow_registry.domain.mobility import ALLOWED, Actor
from warmflow_registry.domain.model import Member, Profile, SearchAttempt
from warmflow_registry.domain.search import SearchRule, shortfall
from warmflow_registry.domain.validation import check_profile
from warmflow_registry.service_layer.views import MemberSummary, summary
from warmflow_shared.errors import RuleBroken

from .ids import id_number, member_file, profile

NOW = datetime(2026, 3, 1, 8, tzinfo=UTC)
STAFF = Actor("staff-1", "county_admin")
BORN = date(1990, 5, 17)


def test_a_valid_id_number_passes_and_is_masked() -> None:
    number = id_number(BORN)
    assert id_number_problem(number, BORN) is None
    assert mask(number) == number[:6] + "********" + number[-4:]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda n: n[:17] + ("1" if n[17] == "0" else "0"), "校验位"),
        (lambda n: n[:16], "18位"),
        (lambda n: n[:6] + "19901332" + n[14:], "有效日期"),
        (lambda n: n[:10] + "A" + n[11:], "数字"),
        (lambda n: f"{int(n[:17]) / 10**16:.5f}E+17", "科学计数法"),  # a .csv saved by Excel
    ],
)
def test_a_bad_id_number_says_why_in_chinese(change: Callable[[str], str], reason: str) -> None:
    problem = id_number_problem(change(id_number(BORN)), BORN)
    assert problem is not None and reason in problem


def test_a_number_as_rosters_write_it_is_the_number_the_platform_keeps() -> None:
    """Digits grouped by spaces (an ideographic one too), a lowercase x, and a first-generation
    15-digit number (19 before its two-digit year, the check character after): a county's roster
    lost a tenth of its rows as 应为18位, and the 15-digit rows of members already on the platform
    could only have been filed again under a number nobody holds."""
    number = id_number(date(1968, 3, 9))
    old = number[:6] + number[8:17]
    lower = number[:17] + "x" if number.endswith("X") else number
    for typed in (
        f"{number[:6]} {number[6:14]} {number[14:]}",
        f"{number[:6]}\u3000{number[6:]}",
        lower,
        old,
        f" {old[:6]} {old[6:]} ",
    ):
        assert normalise(typed) == number, typed
        assert id_number_problem(typed, date(1968, 3, 9)) is None, typed
    no_day = old[:8] + "32" + old[10:]  # a 15-digit number without a date is no old number
    assert normalise(no_day) == no_day
    assert "18位" in (id_number_problem(no_day, None) or "")
    assert "全角" not in (id_number_problem(number[:6] + " " + number[6:16], None) or "全角")


def test_the_birth_date_must_match_the_id_number() -> None:
    problem = id_number_problem(id_number(BORN), date(1990, 5, 18))
    assert problem is not None and "出生日期" in problem


def test_phone_and_dates_name_their_fields() -> None:
    bad = Profile.model_validate(
        profile(BORN, phone="1234567890", joined_on="2013-01-01", full_member_on="2012-01-01")
    )
    with pytest.raises(InvalidData) as caught:
        check_profile(bad, id_number(BORN), date(2026, 1, 1))
    fields = {p.field: p.reason for p in caught.value.problems}
    assert "手机号码" in fields["profile.phone"]
    assert fields["profile.full_member_on"] == "转正日期不能早于入党日期"


def test_phones_typed_full_width_or_spaced_are_kept_as_digits() -> None:
    """The console's and the member app's forms (a Chinese IME in full-width mode types
    １３９…) were refused with "应为11位" for 11 digits; the roster import already read them."""
    typed = profile(
        BORN,
        phone="１３９ ０５５６-１２３４",
        contacts=[{"name": "王建国", "relation": "父亲", "phone": "+86 138-0556-1234"}],
    )
    kept = Profile.model_validate(typed)
    check_profile(kept, id_number(BORN), date(2026, 1, 1))
    assert (kept.phone, kept.contacts[0].phone) == ("13905561234", "13805561234")


@pytest.mark.parametrize("name", ["王明😀", "李四♥", "张三★", "赵\ue000钱", "刘🇨🇳"])
def test_a_name_with_an_emoji_or_symbol_is_refused(name: str) -> None:
    """It prints blank or wrong on the 活动证, the 介绍信 and certificates."""
    bad = Profile.model_validate(
        profile(
            BORN, name=name, contacts=[{"name": name, "relation": "父亲", "phone": "13805561234"}]
        )
    )
    with pytest.raises(InvalidData) as caught:
        check_profile(bad, id_number(BORN), date(2026, 1, 1))
    fields = {p.field: p.reason for p in caught.value.problems}
    assert set(fields) == {"profile.name", "profile.contacts.0.name"}
    assert "不能含表情或符号" in fields["profile.name"]


@pytest.mark.parametrize(
    "name", ["阿卜杜·热合曼", "王䶮", "李𬌗", "O'Brien", "Jean-Luc Zoë", "张伟2"]
)
def test_names_of_any_script_with_their_separators_pass(name: str) -> None:
    check_profile(
        Profile.model_validate(profile(BORN, name=name)), id_number(BORN), date(2026, 1, 1)
    )


def _member(status: str = "at_home") -> Member:
    return member_file(status, born=BORN)


PLAN = outflow.Outflow("YX-2026-00001", "yx-b", "work", "杭州", 12, "s1", "yh-o", "yuhang")
ARRIVAL = outflow.Arrival("s1", "yh-o", "yuhang", "staff")
ACTIONS: dict[str, Callable[[Member], object]] = {
    "register_outflow": lambda m: outflow.register_outflow(
        m, PLAN, now=NOW, actor=STAFF, check_in_days=30
    ),
    "depart": lambda m: outflow.depart(m, now=NOW, actor=STAFF),
    "check_in": lambda m: outflow.check_in(m, ARRIVAL, now=NOW, actor=STAFF),
    "return_home": lambda m: outflow.return_home(m, now=NOW, actor=STAFF, card_checked=True),
    "flag_lost": lambda m: contact.flag_lost(m, reason_code="1", now=NOW, actor=STAFF),
    "suspend": lambda m: contact.suspend(
        m, reason="支部决定", now=NOW, actor=STAFF, searched=SearchRule(0, 0, 0)
    ),
    "restore": lambda m: contact.restore(m, reason="已联系上", now=NOW, actor=STAFF),
}
EXPECTED = {
    "register_outflow": "outflow_registered",
    "depart": "awaiting_checkin",
    "check_in": "checked_in",
    "return_home": "returned",
    "flag_lost": "lost_contact",
    "suspend": "suspended",
    "restore": "at_home",
}
STATUSES = [
    "at_home",
    "outflow_registered",
    "awaiting_checkin",
    "checked_in",
    "returned",
    "transferred",
    "lost_contact",
    "suspended",
    "removed",
]
CASES = [(action, status) for action in ACTIONS for status in STATUSES]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_every_transition_is_legal_or_refused(action: str, status: str) -> None:
    member = _member(status)
    if status not in ALLOWED[action]:
        with pytest.raises(RuleBroken) as caught:
            ACTIONS[action](member)
        assert "不能" in str(caught.value) and member.status == status
        return
    events = ACTIONS[action](member)
    assert member.status == EXPECTED[action] and events
    assert member.history[-1].from_status == status and member.history[-1].actor == "staff-1"


def test_removal_waits_two_years_after_suspension() -> None:
    member = _member("suspended")
    member.suspended_on = date(2025, 1, 1)
    with pytest.raises(RuleBroken, match="两年"):
        contact.remove(member, reason="支部决定", now=NOW, actor=STAFF)
    member.suspended_on = date(2024, 2, 1)
    contact.remove(member, reason="支部决定", now=NOW, actor=STAFF)
    assert member.status == "removed"


def test_removal_after_a_suspension_on_29_february() -> None:
    """Two years after 29 Feb 2028 is 28 Feb 2030 (2030 has no 29 February): the decision is a
    rule's answer on either side of that day, never a crash (500) of the date arithmetic."""
    member = _member("suspended")
    member.suspended_on = date(2028, 2, 29)
    early = datetime(2030, 2, 27, 8, tzinfo=UTC)
    with pytest.raises(RuleBroken, match="两年"):
        contact.remove(member, reason="支部决定", now=early, actor=STAFF)
    contact.remove(member, reason="支部决定", now=datetime(2030, 2, 28, 8, tzinfo=UTC), actor=STAFF)
    assert member.status == "removed"


def test_contact_restored_returns_to_the_status_before_lost() -> None:
    member = _member("checked_in")
    contact.flag_lost(member, reason_code="6", now=NOW, actor=STAFF)
    events = contact.record_reach(member, "dues", date(2026, 3, 1), now=NOW, actor=STAFF)
    assert member.status == "checked_in" and member.last_dues_on == date(2026, 3, 1)
    assert [e.kind for e in events] == ["contact_restored"]


def test_overdue_is_raised_once() -> None:
    member = _member()
    outflow.register_outflow(member, PLAN, now=NOW, actor=STAFF, check_in_days=30)
    assert len(outflow.mark_overdue(member, now=NOW)) == 1
    assert outflow.mark_overdue(member, now=NOW) == []


@pytest.mark.parametrize(
    ("status", "steps"),
    [("at_home", []), ("at_home", ["register_outflow", "depart"]), ("checked_in", ["flag_lost"])],
)
def test_a_summary_built_without_validation_is_the_validated_summary(
    status: str, steps: list[str]
) -> None:
    """``views.summary`` constructs its model without validating: it must equal the summary
    validated from the same values, field for field and type for type (a field whose type
    changes in the file or in the view fails here)."""
    member = _member(status)
    for step in steps:
        ACTIONS[step](member)
    built = summary(member)
    validated = MemberSummary.model_validate(built.model_dump())
    assert built == validated
    assert [type(v) for v in dict(built).values()] == [type(v) for v in dict(validated).values()]
    assert built.model_dump_json() == validated.model_dump_json()


@pytest.mark.parametrize(
    ("on", "latest"),
    [
        (date(2026, 6, 15), date(2024, 6, 15)),
        # suspended on 29 February 2024: removal from 28 February 2026 (no 29th), listed then
        (date(2026, 2, 28), date(2024, 2, 29)),
        (date(2026, 3, 1), date(2024, 3, 1)),
    ],
)
def test_the_removal_list_holds_every_suspension_whose_two_years_have_run(
    on: date, latest: date
) -> None:
    assert contact.suspended_by_for_removal(on) == latest
    assert contact.removal_from(latest) <= on < contact.removal_from(latest + timedelta(days=1))


def test_the_search_counts_failed_attempts_since_contact_was_lost() -> None:
    """经多方查找: attempts, channels and span, counted from the loss; a contact does not count."""
    rule = SearchRule(attempts=3, channels=2, span_days=30)
    member, since = _member("lost_contact"), date(2025, 6, 1)

    def attempt(days: int, channel: str, outcome: str = "no_trace") -> SearchAttempt:
        on = since + timedelta(days=days)
        return SearchAttempt.model_validate(
            {"on": on, "channel": channel, "outcome": outcome, "searcher": "王书记"}
            | {"recorded_by": "staff-1", "recorded_at": NOW}
        )

    member.searches = [
        attempt(-5, "employer"),
        attempt(0, "phone"),
        attempt(10, "inflow_org", "reached"),
    ]
    assert "现有 1 次" in (shortfall(member, since, rule) or "")
    member.searches += [attempt(20, "phone"), attempt(29, "phone")]
    assert "1 种方式" in (shortfall(member, since, rule) or "")
    member.searches[-1] = attempt(29, "relatives")
    assert "相隔 29 天" in (shortfall(member, since, rule) or "")
    member.searches[-1] = attempt(30, "relatives")
    assert shortfall(member, since, rule) is None
