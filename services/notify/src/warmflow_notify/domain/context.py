"""The values a template may use: the event's data in Chinese formats, plus resolved names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from warmflow_notify.domain.model import CHINA

COUNTY_NAMES = {"yuhang": "余杭区", "yuexi": "岳西县", "songyang": "松阳县"}
LOST_CONTACT_REASONS = {
    "1": "外出务工经商",
    "2": "单位改制或破产",
    "3": "毕业后去向不明",
    "4": "更换工作单位",
    "5": "出国（境）",
    "6": "居住地变更",
    "7": "其他",
}
ATTENDANCE = {"present": "出席", "late": "迟到", "excused": "请假", "absent": "缺席"}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T")


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_datetime(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{chinese_date(local.date())} {local:%H:%M}"


def _formatted(value: Any) -> Any:
    if isinstance(value, str) and _DATE.match(value):
        return chinese_date(date.fromisoformat(value))
    if isinstance(value, str) and _DATETIME.match(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return chinese_datetime(moment) if moment.tzinfo else value
    return value


def build_context(data: Mapping[str, Any], names: Mapping[str, str | None]) -> dict[str, Any]:
    """Event fields formatted for reading, derived labels, then names from projections."""
    context = {key: _formatted(value) for key, value in data.items()}
    for key in ("outflow_county", "inflow_county", "sending_county", "receiving_county"):
        if isinstance(data.get(key), str):
            context[f"{key}_name"] = COUNTY_NAMES.get(data[key], data[key])
    if "reason_code" in data:
        code = str(data["reason_code"])
        context["reason_label"] = LOST_CONTACT_REASONS.get(code, code)
    if "status" in data:
        context["status_label"] = ATTENDANCE.get(str(data["status"]), data["status"])
    context.update(names)
    return context
