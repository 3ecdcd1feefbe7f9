"""The pure rules: matching scores, need and introduction moves, cases, the work list."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from warmflow_shared.errors import BadValue, RuleBroken
from warmflow_support.domain import cases, talent
from warmflow_support.domain.history import Actor, step
from warmflow_support.domain.matching import Place, Slot, canonical, distance_km, fit, time_fit
from warmflow_support.domain.vanguard import Vanguard, at_risk, check_contact

NOW = datetime(2031, 3, 3, 2, 0, tzinfo=UTC)
TODAY = date(2031, 3, 3)
STAFF = Actor(subject="s1", role="county_admin", county="yuhang")


def slot(day: int, start: str, end: str) -> Slot:
    return Slot(weekday=day, start=start, end=end)


def test_synonyms_match_the_same_ability() -> None:
    assert canonical("电商") == canonical("直播带货") == canonical("电子商务")
    assert canonical("Python") == canonical("编程")
    assert canonical("茶艺") != canonical("电工")


def test_the_score_explains_skills_distance_and_time() -> None:
    hours = [slot(6, "09:00", "12:00")]
    result = fit(["电商", "会计"], hours, ["直播带货"], [slot(6, "08:00", "11:00")], 3.0, 5, 50)
    assert result.skills == 0.5 and result.matched_skills == ["电商"]
    assert result.distance == 1.0 and result.time == pytest.approx(2 / 3, abs=0.001)
    assert result.score == pytest.approx(100 * (0.6 * 0.5 + 0.25 + 0.15 * 2 / 3), abs=0.1)
    assert result.reasons[0] == "技能匹配 1/2：电商"
    assert "3.0 公里" in result.reasons[1] and "67%" in result.reasons[2]


def test_unknown_distance_is_neutral_and_far_is_nothing() -> None:
    assert fit([], [], [], [], None, 5, 50).distance == 0.5
    assert fit([], [], [], [], 80, 5, 50).distance == 0.0
    hangzhou, yuexi = Place(30.27, 120.0), Place(30.85, 116.36)
    assert 340 < distance_km(hangzhou, yuexi) < 370


def test_time_fit_counts_only_overlap_on_the_same_day() -> None:
    assert time_fit([slot(1, "19:00", "21:00")], [slot(2, "19:00", "21:00")]) == 0
    assert time_fit([], []) == 1.0


def need(**extra: object) -> talent.Need:
    fields = dict(
        id="n1", county="yuhang", site_id=None, place="仓前", employer="某公司", title="电商运营",
        skills=["电商"], hours=[], pay=None, contact="王经理", closes_on=TODAY, openings=1,
    )  # fmt: skip
    return talent.Need.model_validate({**fields, **extra})


def test_a_need_opens_from_draft_only_and_fills_with_its_openings() -> None:
    n = need()
    talent.publish(n, STAFF, NOW, TODAY)
    assert n.status == "open"
    with pytest.raises(RuleBroken):
        talent.publish(n, STAFF, NOW, TODAY)
    assert talent.count_hire(n, "m1", STAFF, NOW) is True and n.status == "filled"
    assert talent.count_hire(n, "m1", STAFF, NOW) is False and n.hired == ["m1"]


def test_a_need_past_its_closing_day_neither_opens_nor_takes_introductions() -> None:
    with pytest.raises(BadValue) as refused:
        talent.publish(need(closes_on=date(2031, 3, 2)), STAFF, NOW, TODAY)
    assert refused.value.field == "closes_on"
    opened = need(status="open")
    with pytest.raises(RuleBroken):
        talent.check_open(opened, date(2031, 3, 4))


def test_an_outcome_needs_the_members_acceptance_first() -> None:
    intro = talent.Introduction(
        id="i1", need_id="n1", need_title="t", county="yuhang", member_id="m1", member_name="储",
        home_county="yuexi", inflow_county="yuhang", site_id=None, score=80, reasons=[],
    )  # fmt: skip
    with pytest.raises(RuleBroken):
        talent.conclude(intro, True, STAFF, NOW, "")
    talent.answer(intro, "open", True, Actor(subject="m1", role="member"), NOW, "")
    talent.conclude(intro, True, STAFF, NOW, "试用通过")
    assert [s.action for s in intro.history] == ["accepted", "hired"]


def case(kind: str = "hardship_funding", amount: str | None = "3000") -> cases.SupportCase:
    return cases.SupportCase(
        id="c1", member_id="m1", member_name="储", home_county="yuexi", inflow_county="yuhang",
        site_id=None, county="yuexi", kind=kind, area=cases.AREA_OF[kind],
        amount=Decimal(amount) if amount else None, evidence="因病致困",
    )  # fmt: skip


def test_money_kinds_need_an_amount_and_others_refuse_one() -> None:
    with pytest.raises(BadValue) as missing:
        cases.check_amount("startup_funding", None)
    assert missing.value.field == "amount"
    with pytest.raises(BadValue):
        cases.check_amount("legal_aid", Decimal(100))
    cases.check_amount("hardship_aid", None)


def test_a_case_is_decided_paid_within_the_amount_and_visited() -> None:
    c = case()
    with pytest.raises(RuleBroken):
        cases.settle(c, STAFF, NOW, TODAY, Decimal(3000), None, None)
    with pytest.raises(BadValue):
        cases.decide(c, False, STAFF, NOW, "")  # a refusal says why
    cases.decide(c, True, STAFF, NOW, "材料齐全")
    with pytest.raises(BadValue) as too_much:
        cases.settle(c, STAFF, NOW, TODAY, Decimal(5000), None, None)
    assert too_much.value.field == "paid_amount"
    cases.settle(c, STAFF, NOW, TODAY, Decimal(3000), "PZ-1", None)
    cases.visit(c, STAFF, NOW, TODAY, "生活已好转")
    assert c.status == "settled" and len(c.visits) == 1
    assert [s.action for s in c.history] == ["approved", "settle", "visit"]


def test_payment_and_visit_days_lie_between_the_opening_and_the_local_today() -> None:
    c = case()
    c.history.append(step(STAFF, NOW, "open"))  # opened 2031-03-03 10:00 in China
    cases.decide(c, True, STAFF, NOW, "材料齐全")
    for on, words in ((date(2099, 1, 1), "不能晚于今天"), (date(2031, 3, 2), "不能早于立案日期")):
        with pytest.raises(BadValue, match=words) as bad:
            cases.settle(c, STAFF, NOW, on, Decimal(3000), "PZ-1", None)
        assert bad.value.field == "on"
        with pytest.raises(BadValue, match=words):
            cases.visit(c, STAFF, NOW, on, "走访")
    early_next_morning = datetime(2031, 3, 3, 23, 30, tzinfo=UTC)  # 03-04 07:30 in China
    cases.settle(c, STAFF, early_next_morning, date(2031, 3, 4), Decimal(3000), "PZ-1", None)
    cases.visit(c, STAFF, early_next_morning, date(2031, 3, 4), "当天上门回访")
    assert c.settled_on == date(2031, 3, 4) and c.visits[0].on == date(2031, 3, 4)


def test_a_non_money_case_settles_with_an_outcome() -> None:
    c = case("legal_aid", None)
    cases.decide(c, True, STAFF, NOW, "")
    with pytest.raises(BadValue) as missing:
        cases.settle(c, STAFF, NOW, TODAY, None, None, None)
    assert missing.value.field == "outcome"
    cases.settle(c, STAFF, NOW, TODAY, None, None, "已协助讨回欠薪")
    assert c.area == "hardship_aid" and c.outcome == "已协助讨回欠薪"


def test_the_work_list_shows_the_silent_and_never_reached_first() -> None:
    members = [
        {"member_id": "quiet", "mobile_status": "checked_in", "last_org_life_on": "2030-12-01"},
        {"member_id": "never", "mobile_status": "outflow_registered"},
        {"member_id": "recent", "mobile_status": "checked_in", "last_org_life_on": "2031-02-20"},
        {"member_id": "home", "mobile_status": "at_home"},
    ]
    listed = at_risk(members, {}, TODAY, 45)
    assert [r.member_id for r in listed] == ["never", "quiet"]
    assert listed[1].days_without_contact == 92
    reached = at_risk(members, {"quiet": date(2031, 3, 1)}, TODAY, 45)
    assert [r.member_id for r in reached] == ["never"]


def test_a_vanguard_records_contacts_only_for_whom_they_look_after() -> None:
    v = Vanguard(
        id="v1", name="陈", kind="volunteer", member_id=None, county="yuhang",
        roles=["liaison"], site_ids=["s1"], member_ids=["m1"],
    )  # fmt: skip
    check_contact(v, "m1", None, TODAY, TODAY)
    check_contact(v, "m2", "s1", TODAY, TODAY)
    with pytest.raises(RuleBroken):
        check_contact(v, "m3", "s2", TODAY, TODAY)
    with pytest.raises(BadValue):
        check_contact(v, "m1", None, date(2031, 3, 4), TODAY)
