"""Deterministic demo data: the three counties' towns, branches, 暖流之家 sites and members.

Everything comes from one seeded ``random.Random``, so two seeds of a fresh platform are equal.
ID numbers are made-up but valid (GB 11643 check digit, birth date inside), phones too.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from warmflow_registry.domain.idnumber import check_character

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘储汪"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰海波春梅晓东"
TOWNS: dict[str, list[str]] = {
    "yuhang": ["仓前街道", "五常街道", "良渚街道", "闲林街道", "瓶窑镇"],
    "yuexi": ["天堂镇", "店前镇", "响肠镇", "温泉镇", "菖蒲镇"],
    "songyang": ["西屏街道", "古市镇", "大东坝镇", "新兴镇", "望松街道"],
}
CODES = {"yuhang": "YH", "yuexi": "YX", "songyang": "SY"}
AREA = {"yuhang": "330110", "yuexi": "340828", "songyang": "331124"}
EMPLOYERS = [
    "阿里巴巴集团",
    "之江实验室",
    "未来科技城管委会",
    "某物流公司",
    "某电商企业",
    "个体经营",
]
SKILLS = ["电商运营", "茶叶种植", "汽车维修", "直播带货", "财务会计", "电工", "法律咨询"]
HOBBIES = ["书法", "篮球", "摄影", "志愿服务", "唱歌", "跑步"]


@dataclass(frozen=True)
class DemoOrg:
    id: str
    code: str
    name: str
    type_code: str
    parent_id: str
    county: str
    # whom another organisation calls (a transfer letter's 党组织联系人及电话)
    contact_name: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class DemoSite:
    id: str
    name: str
    level: str
    county: str
    org_id: str
    parent_site_id: str | None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class DemoMember:
    id: str
    id_number: str
    home_org_id: str
    profile: dict[str, object]
    plan: str  # at_home | awaiting | checked_in | returned | lost


AI_TOWN_BRANCH = "yuhang-ai-town-b1"


# each county's long-distance dialling code: an organisation's contact is its office landline
DIALLING_CODES = {"yuhang": "0571", "yuexi": "0556", "songyang": "0578"}
# the reference data's organisations (``domain.presets``) the demo gives a contact too
PRESET_ORGANISATIONS = {
    "yuhang-county-committee": "yuhang",
    "yuexi-county-committee": "yuexi",
    "songyang-county-committee": "songyang",
    "yuhang-mobile-committee": "yuhang",
    "yuhang-ai-town-committee": "yuhang",
}


def contact_of(org_id: str, county: str) -> tuple[str, str]:
    """A made-up contact (name, office landline) for a demo organisation, the same every seed:
    drawn from a generator seeded with the organisation's id, not from the members' one."""
    draw = random.Random(f"contact:{org_id}")
    given = "".join(draw.choice(GIVEN) for _ in range(draw.choice((1, 2))))
    digits = 8 if county == "yuhang" else 7  # Hangzhou's numbers have eight digits
    number = str(draw.randrange(2 * 10 ** (digits - 1), 9 * 10 ** (digits - 1)))
    return draw.choice(SURNAMES) + given, f"{DIALLING_CODES[county]}-{number}"


def _org(org_id: str, code: str, name: str, type_code: str, parent: str, county: str) -> DemoOrg:
    return DemoOrg(org_id, code, name, type_code, parent, county, *contact_of(org_id, county))


def organisations() -> list[DemoOrg]:
    orgs: list[DemoOrg] = []
    for county, towns in TOWNS.items():
        root = f"{county}-county-committee"
        for t, town in enumerate(towns, start=1):
            town_id = f"{county}-town-{t}"
            code = f"{CODES[county]}T{t}"
            orgs.append(_org(town_id, code, f"{town}党委", "town", root, county))
            for b in range(1, 4):
                name = f"{town}第{b}党支部"
                orgs.append(_org(f"{town_id}-b{b}", f"{code}B{b}", name, "branch", town_id, county))
    orgs.append(
        _org(
            "yuexi-demo-branch",
            "YXDEMO",
            "岳西县驻杭流动党员党支部",
            "branch",
            "yuexi-town-1",
            "yuexi",
        )
    )
    # a branch under the AI town's committee, so a member can be transferred to it
    orgs.append(
        _org(
            AI_TOWN_BRANCH,
            "YHAIB1",
            "人工智能小镇第一党支部",
            "branch",
            "yuhang-ai-town-committee",
            "yuhang",
        )
    )
    return orgs


# the seat of each county's government (WGS-84), around which the demo sites lie
COUNTY_SEATS = {
    "yuhang": (30.4189, 120.2999),
    "yuexi": (30.8497, 116.3602),
    "songyang": (28.4494, 119.4820),
}


def _near(point: tuple[float, float], step: int, radius: float) -> tuple[float, float]:
    """A point ``radius`` degrees from ``point``, at the ``step``-th of five directions."""
    angle = math.radians(72 * step)
    return round(point[0] + radius * math.sin(angle), 5), round(
        point[1] + radius * math.cos(angle), 5
    )


def sites() -> list[DemoSite]:
    """Per county a district centre, a platform per town and two village sites per town: 48.

    Every site has coordinates (towns within ~4 km of the county seat, villages within ~1 km of
    their town), so distance-based recommendations work on the demo data.
    """
    found: list[DemoSite] = []
    for county, towns in TOWNS.items():
        centre = f"{county}-centre"
        name = {"yuhang": "余杭区", "yuexi": "岳西县", "songyang": "松阳县"}[county]
        root = f"{county}-county-committee"
        seat = COUNTY_SEATS[county]
        found.append(
            DemoSite(
                centre, f"{name}暖流之家服务中心", "district_centre", county, root, None, *seat
            )
        )
        for t, town in enumerate(towns, start=1):
            town_site = f"{county}-town-{t}-home"
            org = f"{county}-town-{t}"
            here = _near(seat, t, 0.035)
            found.append(
                DemoSite(town_site, f"{town}暖流之家", "town_platform", county, org, centre, *here)
            )
            for v in (1, 2):
                site_id = f"{town_site}-v{v}"
                site_name = f"{town}第{v}村（社区）暖流驿站"
                village = _near(here, t + 2 * v, 0.008)
                found.append(
                    DemoSite(site_id, site_name, "village_site", county, org, town_site, *village)
                )
    return found


def _id_number(rng: random.Random, county: str, born: date, serial: int) -> str:
    first17 = f"{AREA[county]}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_character(first17)


def _profile(rng: random.Random, born: date, today: date) -> dict[str, object]:
    joined = born + timedelta(days=365 * rng.randint(19, 30))
    joined = min(joined, today - timedelta(days=400))
    slots = [{"weekday": d, "start": "19:00", "end": "21:00"} for d in rng.sample(range(1, 8), 2)]
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
        "gender": rng.choice(("男", "女")),
        "ethnicity": "汉族",
        "birth_date": born.isoformat(),
        "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        "education": rng.choice(("大学本科", "大专", "高中", "硕士研究生")),
        "joined_on": joined.isoformat(),
        "full_member_on": (joined + timedelta(days=366)).isoformat(),
        "employer": rng.choice(EMPLOYERS),
        "residence": "浙江省杭州市余杭区",
        "dues_paid_until": f"{today.year}-{rng.randint(1, today.month):02d}",
        "free_time": slots,
        "hobbies": rng.sample(HOBBIES, 2),
        "skills": rng.sample(SKILLS, 2),
    }


PLANS = ("at_home",) * 8 + ("checked_in",) * 7 + ("awaiting",) * 2 + ("returned", "lost")


def members(count: int, today: date, *, seed: int = 2026) -> list[DemoMember]:
    rng = random.Random(seed)
    # the AI town's branch receives transfers; members stay spread as before it was added
    branches = [o for o in organisations() if o.type_code == "branch" and o.id != AI_TOWN_BRANCH]
    found = []
    for n in range(count):
        home = branches[n % len(branches)]
        born = date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28))
        plan = rng.choice(PLANS) if home.county != "yuhang" else "at_home"
        id_number = _id_number(rng, home.county, born, n)
        member_id = f"demo-m{n:05d}"
        found.append(DemoMember(member_id, id_number, home.id, _profile(rng, born, today), plan))
    return found


def demo_members(today: date) -> list[DemoMember]:
    """The members of the demo tokens (``yuexi-member``, ``songyang-member``)."""
    return [demo_member(today), songyang_member(today)]


def songyang_member(today: date) -> DemoMember:
    """The member of the ``songyang-member`` demo token: from Songyang, not yet gone out."""
    born = date(1994, 9, 3)
    rng = random.Random(2)
    profile = _profile(rng, born, today) | {"name": "叶丽娟", "gender": "女"}
    return DemoMember(
        "demo-member-002",
        _id_number(rng, "songyang", born, 2),
        "songyang-town-1-b1",
        profile,
        "at_home",
    )


def demo_member(today: date) -> DemoMember:
    """The member of the ``yuexi-member`` demo token: from Yuexi, checked in at Yuhang."""
    born = date(1990, 5, 12)
    rng = random.Random(1)
    profile = _profile(rng, born, today) | {"name": "储小红", "gender": "女"}
    return DemoMember(
        "demo-member-001",
        _id_number(rng, "yuexi", born, 1),
        "yuexi-demo-branch",
        profile,
        "checked_in",
    )
