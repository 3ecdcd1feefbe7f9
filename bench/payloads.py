"""Realistic event data: registry member events and transfer cases, with Chinese text."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from warmflow_shared.events.envelope import Envelope

COUNTIES = ("yuhang", "yuexi", "songyang")
NAMES = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏")
HOBBIES = ("书法", "乒乓球", "摄影", "志愿服务", "阅读", "太极拳", "广场舞", "园艺")
SKILLS = ("电工", "会计", "驾驶", "厨师", "教师", "电商运营", "护理", "木工")
REASONS = (
    "因工作调动，转往杭州市余杭区流动党员党支部",
    "外出务工多年，申请将组织关系转入务工所在地党组织",
    "返乡创业，组织关系转回岳西县原籍党支部",
    "随子女迁居松阳县，就近参加组织生活",
)
ADDRESSES = (
    "浙江省杭州市余杭区良渚街道港南路 18 号党群服务中心",
    "安徽省安庆市岳西县天堂镇天堂路 66 号",
    "浙江省丽水市松阳县西屏街道长松路 3 号",
)


def _org(rng: random.Random) -> str:
    return f"org-{rng.choice(COUNTIES)}-{rng.randrange(1, 400):04d}"


def member_data(rng: random.Random, member_id: str) -> tuple[str, dict[str, Any]]:
    """A registry.MemberRegistered/MemberUpdated-shaped payload (the largest member event)."""
    data = {
        "member_id": member_id,
        "outflow_org_id": _org(rng),
        "outflow_county": rng.choice(COUNTIES),
        "inflow_org_id": _org(rng) if rng.random() < 0.7 else None,
        "inflow_county": rng.choice(COUNTIES),
        "name": rng.choice(NAMES),
        "gender": rng.choice(("male", "female")),
        "phone": f"1{rng.randrange(30, 99)}{rng.randrange(10**7, 10**8)}",
        "email": None,
        "mobile_status": rng.choice(("outflowing", "inflowing", "returned")),
        "party_status": "full",
        "home_site_id": f"site-{rng.randrange(1, 90):03d}",
        "dues_paid_until": "2026-06",
        "last_org_life_on": "2026-10-15",
        "free_time": [
            {"weekday": rng.randrange(1, 8), "start": "19:00", "end": "21:00"}
            for _ in range(rng.randrange(0, 3))
        ],
        "hobbies": rng.sample(HOBBIES, 2),
        "skills": rng.sample(SKILLS, 1),
    }
    return rng.choice(("registry.MemberRegistered", "registry.MemberUpdated")), data


def checkin_data(rng: random.Random, member_id: str) -> tuple[str, dict[str, Any]]:
    data = {
        "member_id": member_id,
        "outflow_org_id": _org(rng),
        "outflow_county": rng.choice(COUNTIES),
        "inflow_org_id": _org(rng),
        "inflow_county": rng.choice(COUNTIES),
        "site_id": f"site-{rng.randrange(1, 90):03d}",
        "checked_in_at": "2026-11-27T09:30:00.000000Z",
        "recorded_by": rng.choice(("member", "staff")),
    }
    return "registry.CheckedIn", data


def transfer_data(rng: random.Random, transfer_id: str) -> tuple[str, dict[str, Any]]:
    """A transfers.TransferRequested-shaped payload."""
    data = {
        "transfer_id": transfer_id,
        "member_id": f"mem-{rng.randrange(10**6):06d}",
        "sending_org_id": _org(rng),
        "sending_county": rng.choice(COUNTIES),
        "receiving_org_id": _org(rng),
        "receiving_county": rng.choice(COUNTIES),
        "change_type_code": rng.choice(("21", "22", "23")),
        "reason": rng.choice(REASONS),
    }
    return "transfers.TransferRequested", data


def site_data(rng: random.Random, site_id: str) -> tuple[str, dict[str, Any]]:
    data = {
        "site_id": site_id,
        "name": f"{rng.choice(('良渚', '天堂', '西屏'))}流动党员服务站",
        "level": "town",
        "county": rng.choice(COUNTIES),
        "org_id": _org(rng),
        "parent_site_id": None,
        "address": rng.choice(ADDRESSES),
        "latitude": 30.0 + rng.random(),
        "longitude": 119.0 + rng.random(),
        "services": ["组织关系转接", "党费收缴", "学习培训"],
    }
    return "registry.SiteUpdated", data


def mixed_envelopes(count: int, seed: int = 7) -> list[Envelope]:
    """A mix of registry and transfer events as services publish them."""
    rng = random.Random(seed)
    makers = (member_data, checkin_data, transfer_data, transfer_data, site_data)
    start = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    envelopes = []
    for i in range(count):
        maker = makers[i % len(makers)]
        subject = f"{maker.__name__.split('_')[0]}-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}"
        wire_name, data = maker(rng, subject)
        cause = uuid.UUID(int=rng.getrandbits(128)).hex if i % 3 else None
        envelopes.append(
            Envelope(
                type=wire_name,
                version=1,
                producer=wire_name.split(".")[0],
                subject=subject,
                data=data,
                event_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                occurred_at=start + timedelta(seconds=i, microseconds=rng.randrange(10**6)),
                causation_id=cause,
            )
        )
    return envelopes
