"""Valid test ID numbers (GB 11643) made on the fly, so no real person's number is used."""

from __future__ import annotations

import random
from datetime import date

from warmflow_registry.domain.idnumber import check_character
from warmflow_registry.domain.model import Member, Profile


def id_number(born: date, region: str = "341828") -> str:
    first17 = f"{region}{born:%Y%m%d}{random.randint(0, 999):03d}"
    return first17 + check_character(first17)


def profile(born: date = date(1990, 5, 17), **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "王晓梅",
        "gender": "女",
        "ethnicity": "汉族",
        "birth_date": born.isoformat(),
        "phone": "13905561234",
        "education": "本科",
        "joined_on": "2012-06-30",
        "full_member_on": "2013-06-30",
        "party_status": "full",
        "employer": "杭州某人工智能科技有限公司",
        "post": "算法工程师",
        "residence": "浙江省杭州市余杭区五常街道",
        "household_registration": "安徽省安庆市岳西县",
        "contacts": [{"name": "王建国", "relation": "父亲", "phone": "13805561234"}],
        "dues_paid_until": "2026-03",
        "free_time": [{"weekday": 6, "start": "09:00", "end": "12:00"}],
        "hobbies": ["书法"],
        "skills": ["Python"],
    }
    data.update(changes)
    return data


def random_birth() -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + random.randint(0, 365 * 20))


def member_file(
    status: str = "at_home", born: date = date(1990, 5, 17), **fields: object
) -> Member:
    """A member's file for the domain's rules (registered 1 January 2025 unless given)."""
    values: dict[str, object] = {
        "id": "m1",
        "profile": Profile.model_validate(profile(born)),
        "home_org_id": "yx-b",
        "home_county": "yuexi",
        "id_hash": "h",
        "id_cipher": "c",
        "id_masked": "m",
        "registered_on": date(2025, 1, 1),
        "status": status,
    }
    return Member.model_validate(values | fields)
