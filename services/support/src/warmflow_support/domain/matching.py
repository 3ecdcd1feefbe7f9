"""How well a member fits a need, explained: skills (with synonyms), distance and time.

score = 100 × (0.6 skills + 0.25 distance + 0.15 time); every part says why in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import asin, cos, radians, sin, sqrt

from pydantic import BaseModel, Field

WEIGHTS = {"skills": 0.6, "distance": 0.25, "time": 0.15}
EARTH_KM = 6371.0
# skills that name the same ability; the first of a group is how it is shown
SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "电工 电气 水电工 电气维修 电工证",
        "电子商务 电商 网店运营 直播带货 直播",
        "会计 财务 记账 出纳",
        "驾驶 司机 驾驶员 货车司机",
        "软件开发 编程 程序员 python java 前端",
        "护理 护工 养老护理 护士",
        "烹饪 厨师 餐饮",
        "焊接 焊工 电焊",
        "教学 教师 培训 讲师",
        "法律 律师 法务",
        "茶艺 制茶 茶叶",
        "数控 机加工 车工",
    )
)


class Slot(BaseModel):
    weekday: int = Field(ge=1, le=7)  # 1 = Monday … 7 = Sunday
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class Fit(BaseModel):
    score: float
    skills: float
    matched_skills: list[str]
    distance_km: float | None
    distance: float
    time: float
    reasons: list[str]


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float


def canonical(skill: str) -> str:
    word = skill.strip().lower()
    group = next((g for g in SYNONYMS if word in g), None)
    return min(group) if group else word


def skill_fit(wanted: list[str], has: list[str]) -> tuple[float, list[str]]:
    if not wanted:
        return 1.0, []
    own = {canonical(s) for s in has}
    matched = [w for w in wanted if canonical(w) in own]
    return len(matched) / len(wanted), matched


def distance_km(a: Place, b: Place) -> float:
    dlat, dlon = radians(b.latitude - a.latitude), radians(b.longitude - a.longitude)
    h = (
        sin(dlat / 2) ** 2
        + cos(radians(a.latitude)) * cos(radians(b.latitude)) * sin(dlon / 2) ** 2
    )
    return 2 * EARTH_KM * asin(sqrt(h))


def distance_fit(km: float | None, near: float, far: float) -> float:
    if km is None:
        return 0.5  # unknown: neither rewarded nor punished
    if km <= near:
        return 1.0
    return max(0.0, 1 - (km - near) / max(far - near, 0.001))


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _overlap(a: Slot, b: Slot) -> int:
    if a.weekday != b.weekday:
        return 0
    return max(0, min(_minutes(a.end), _minutes(b.end)) - max(_minutes(a.start), _minutes(b.start)))


def time_fit(hours: list[Slot], free: list[Slot]) -> float:
    """The share of the need's hours that fall in the member's free time."""
    total = sum(_minutes(s.end) - _minutes(s.start) for s in hours)
    if total <= 0:
        return 1.0
    return min(1.0, sum(_overlap(h, f) for h in hours for f in free) / total)


def fit(
    wanted: list[str],
    hours: list[Slot],
    skills: list[str],
    free: list[Slot],
    km: float | None,
    near: float,
    far: float,
) -> Fit:
    share, matched = skill_fit(wanted, skills)
    near_fit, time_share = distance_fit(km, near, far), time_fit(hours, free)
    parts = {"skills": share, "distance": near_fit, "time": time_share}
    score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()), 1)
    return Fit(
        score=score,
        skills=round(share, 3),
        matched_skills=matched,
        distance_km=None if km is None else round(km, 1),
        distance=round(near_fit, 3),
        time=round(time_share, 3),
        reasons=_reasons(wanted, matched, km, hours, time_share),
    )


def _reasons(
    wanted: list[str], matched: list[str], km: float | None, hours: list[Slot], time_share: float
) -> list[str]:
    reasons = [
        f"技能匹配 {len(matched)}/{len(wanted)}：{'、'.join(matched) or '无'}"
        if wanted
        else "未限定技能"
    ]
    reasons.append("距离未知（站点未标注坐标）" if km is None else f"距离约 {km:.1f} 公里")
    reasons.append(f"空闲时间覆盖工作时段 {time_share:.0%}" if hours else "工作时间不限")
    return reasons
