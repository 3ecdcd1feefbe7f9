"""Pure rules, without storage or bus."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from warmflow_transfers.domain.calendar import add_months, end_of_local_day
from warmflow_transfers.domain.codes import change_type_codes
from warmflow_transfers.domain.eligibility import MemberFacts, check_eligible
from warmflow_transfers.domain.errors import BadValue, Refused
from warmflow_transfers.domain.letters import LetterTerms, extend, issue_letter, serial_number
from warmflow_transfers.domain.lifecycle import Application, approve, open_case
from warmflow_transfers.domain.model import Actor, Party
from warmflow_transfers.domain.timers import due_times

CHINA = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
YUEXI = Party(org_id="yx-1", org_name="岳西某支部", county="yuexi", province="安徽省")
SONGYANG = Party(org_id="sy-1", org_name="松阳某支部", county="songyang", province="浙江省")
YUHANG = Party(org_id="yh-1", org_name="余杭某支部", county="yuhang", province="浙江省")
STAFF = Actor(subject="staff", side="sending")


@pytest.mark.parametrize(
    ("sending", "receiving", "codes"),
    [(YUEXI, YUHANG, ("241", "141")), (SONGYANG, YUHANG, ("251", "151")),
     (YUHANG, YUEXI, ("241", "141")), (YUHANG, SONGYANG, ("251", "151"))],
)  # fmt: skip
def test_change_type_codes_follow_the_provinces(
    sending: Party, receiving: Party, codes: tuple[str, str]
) -> None:
    assert change_type_codes(sending.province, receiving.province) == codes


def test_months_clip_to_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert end_of_local_day(date(2026, 3, 20), CHINA) == datetime(2026, 3, 20, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "dues", "words"),
    [("lost_contact", "2026-03", "失联"), ("suspended", "2026-03", "停止党籍"),
     ("checked_in", "2026-02", "2026-02"), ("checked_in", None, "没有党费"),
     ("checked_in", "2099-12", "最多预交 12 个月"), ("checked_in", "2027-04", "不能晚于 2027-03")],
)  # fmt: skip
def test_ineligible_members_are_refused(status: str, dues: str | None, words: str) -> None:
    member = MemberFacts("m", "张三", "yx-1", status, dues)
    with pytest.raises(Refused, match=words):
        check_eligible(member, date(2026, 3, 10))


def test_paid_ahead_is_eligible() -> None:
    member = MemberFacts("m", "张三", "yx-1", "checked_in", "2026-06")
    assert check_eligible(member, date(2026, 3, 31)) is member
    a_year = MemberFacts("m", "张三", "yx-1", "checked_in", "2027-03")  # the limit itself
    assert check_eligible(a_year, date(2026, 3, 10)) is a_year


def _issued() -> object:
    applicant = Actor(subject="m", side=None, role="member")
    case = open_case(Application("tr-1", "m", "张三", YUEXI, YUHANG, "工作调动"), applicant, NOW)
    case, _ = approve(case, STAFF, NOW)
    terms = LetterTerms(serial_number(2026, "YX", 7), "2026-03", 10, date(2026, 3, 10))
    issued, happened = issue_letter(case, STAFF, terms, NOW)
    assert issued.letter is not None and issued.letter.serial_number == "2026-YX-0007"
    assert [h.kind for h in happened] == ["letter_issued"]
    return issued


def test_the_validity_timer_follows_the_letter() -> None:
    case = _issued()
    assert due_times(case, CHINA) == [  # type: ignore[arg-type]
        ("letter_expiry", datetime(2026, 3, 20, 16, tzinfo=UTC))
    ]
    longer, _ = extend(case, STAFF, 30, 3, NOW, CHINA)  # type: ignore[arg-type]
    assert due_times(longer, CHINA)[0][1] == datetime(2026, 4, 19, 16, tzinfo=UTC)
    with pytest.raises(BadValue):
        extend(
            longer, STAFF, 63, 3, NOW, CHINA
        )  # 20 Mar + 3 months = 20 Jun; 19 Apr + 63 d = 21 Jun
