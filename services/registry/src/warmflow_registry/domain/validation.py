"""Rules of the e-file that a form cannot express: ID number, phones, dates in order."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from warmflow_shared.dues import dues_month_problem

from warmflow_registry.domain.errors import InvalidData, Problem
from warmflow_registry.domain.idnumber import id_number_problem
from warmflow_registry.domain.model import Profile

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def phone_problem(phone: str) -> str | None:
    return None if _MOBILE.match(phone) else "手机号码应为11位，以1开头且第二位为3至9"


# a person's name: an emoji or another symbol (and a private-use or unassigned code point) has
# no glyph in the fonts cards, letters and certificates are printed with: it prints blank.
# Letters of any script (生僻字 included), separators (阿卜杜·热合曼, O'Brien) and the digits
# staff add to tell two namesakes apart pass.
def name_problem(name: str) -> str | None:
    for char in name:
        kind = unicodedata.category(char)
        if kind.startswith("S") or kind in ("Co", "Cn"):
            shown = f"“{char}”" if kind.startswith("S") else f"U+{ord(char):04X}"
            return f"姓名不能含表情或符号{shown}"
    return None


def _name_problems(profile: Profile) -> list[Problem]:
    named = [("name", profile.name)]
    named += [(f"contacts.{i}.name", contact.name) for i, contact in enumerate(profile.contacts)]
    return [Problem(field, reason) for field, name in named if (reason := name_problem(name))]


def _date_problems(profile: Profile, today: date) -> list[Problem]:
    problems: list[Problem] = []
    if profile.birth_date > today:
        problems.append(Problem("birth_date", "出生日期不能晚于今天"))
    joined, full = profile.joined_on, profile.full_member_on
    if joined is not None:
        if joined > today:
            problems.append(Problem("joined_on", "入党日期不能晚于今天"))
        if joined.year - profile.birth_date.year < 18:
            problems.append(Problem("joined_on", "入党时应年满十八周岁"))
    if full is not None and joined is not None and full < joined:
        problems.append(Problem("full_member_on", "转正日期不能早于入党日期"))
    if full is not None and profile.party_status == "probationary":
        problems.append(Problem("full_member_on", "预备党员尚未转正，不应填写转正日期"))
    if profile.dues_paid_until and (reason := dues_month_problem(profile.dues_paid_until, today)):
        problems.append(Problem("dues_paid_until", reason))
    return problems


def _contact_problems(profile: Profile) -> list[Problem]:
    problems: list[Problem] = []
    if reason := phone_problem(profile.phone):
        problems.append(Problem("phone", reason))
    for index, contact in enumerate(profile.contacts):
        if reason := phone_problem(contact.phone):
            problems.append(Problem(f"contacts.{index}.phone", reason))
    if profile.email and not _EMAIL.match(profile.email):
        problems.append(Problem("email", "电子邮箱格式不正确"))
    return problems


def _slot_problems(profile: Profile) -> list[Problem]:
    return [
        Problem(f"free_time.{index}.end", "空闲时段的结束时间应晚于开始时间")
        for index, slot in enumerate(profile.free_time)
        if slot.end <= slot.start
    ]


# a hobby or a skill is a word or two (书法, 直播带货), as the member app's own edit takes it: the
# staff's edit and a roster's row were taking one of 300,000 characters, then shown on the e-file,
# the talent lists and every partner's copy
TAG_LENGTH = 30


def _tag_problems(profile: Profile) -> list[Problem]:
    problems: list[Problem] = []
    for field, tags in (("hobbies", profile.hobbies), ("skills", profile.skills)):
        for index, tag in enumerate(tags):
            if not tag.strip():
                problems.append(Problem(f"{field}.{index}", "不能为空"))
            elif len(tag) > TAG_LENGTH:
                problems.append(Problem(f"{field}.{index}", f"长度不能超过 {TAG_LENGTH} 个字符"))
    return problems


def profile_problems(profile: Profile, today: date) -> list[Problem]:
    return [
        *_name_problems(profile),
        *_date_problems(profile, today),
        *_contact_problems(profile),
        *_slot_problems(profile),
        *_tag_problems(profile),
    ]


def check_profile(profile: Profile, id_number: str | None, today: date) -> None:
    """Raise InvalidData naming every field that breaks a rule; ``id_number`` None = unchanged."""
    problems = [Problem(f"profile.{p.field}", p.reason) for p in profile_problems(profile, today)]
    if id_number is not None and (reason := id_number_problem(id_number, profile.birth_date)):
        problems.insert(0, Problem("id_number", reason))
    if problems:
        raise InvalidData(problems)
