"""The values a template may use: the event's data in Chinese formats, plus resolved names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from warmflow_shared.events.catalog.vocabulary import (
    LOST_REASON_NAMES,
    REPORT_CHANNEL_NAMES,
    REPORTED_CHANGE_NAMES,
    SUPPORT_KIND_NAMES,
)

from warmflow_notify.domain.model import CHINA

COUNTY_NAMES = {"yuhang": "余杭区", "yuexi": "岳西县", "songyang": "松阳县"}
ATTENDANCE = {"present": "出席", "late": "迟到", "excused": "请假", "absent": "缺席"}

COUNTY_FIELDS = (
    "outflow_county",
    "inflow_county",
    "sending_county",
    "receiving_county",
    "county",
    "home_county",
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")  # 党费交至: a month, read as on the letter


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_datetime(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{chinese_date(local.date())} {local:%H:%M}"


def _formatted(value: Any) -> Any:
    if isinstance(value, str) and (month := _MONTH.match(value)):
        return f"{month.group(1)}年{int(month.group(2))}月"
    if isinstance(value, str) and _DATE.match(value):
        return chinese_date(date.fromisoformat(value))
    if isinstance(value, str) and _DATETIME.match(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return chinese_datetime(moment) if moment.tzinfo else value
    return value


def _support_labels(data: Mapping[str, Any]) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    if "kind" in data:
        labels["kind_label"] = SUPPORT_KIND_NAMES.get(str(data["kind"]), data["kind"])
    if "accepted" in data:
        labels["answer_label"] = "接受" if data["accepted"] else "婉拒"
    if "approved" in data:
        labels["decision_label"] = "已获批准" if data["approved"] else "未获批准"
    if "settled_on" in data:  # money paid, or another outcome (a job found, legal aid given)
        paid = data.get("paid_amount")
        labels["settled_label"] = "落实" if paid in (None, "") else f"落实，发放 {paid} 元"
    return labels


def _report_labels(data: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    if "channel" in data:
        channel = str(data["channel"])
        labels["channel_label"] = REPORT_CHANNEL_NAMES.get(channel, channel)
    if isinstance(data.get("changed"), list):
        names = (REPORTED_CHANGE_NAMES.get(str(f), str(f)) for f in data["changed"])
        labels["changed_label"] = "、".join(names)
    return labels


WITHDRAWAL_GROUNDS = {"org_life": "未参加组织生活", "dues": "未交纳党费"}


def _withdrawal_labels(data: Mapping[str, Any]) -> dict[str, str]:
    """自行脱党待认定: what is missing, and how a flag ended."""
    labels: dict[str, str] = {}
    if isinstance(data.get("grounds"), list):
        missing = "、".join(WITHDRAWAL_GROUNDS.get(g, str(g)) for g in data["grounds"])
        labels["grounds_label"] = f"六个月以上{missing}"
    if data.get("how") == "recorded":
        labels["cleared_label"] = "已记录组织生活或党费"
    elif data.get("how") == "dismissed":
        labels["cleared_label"] = f"支部决定不予认定：{data.get('reason') or ''}"
    return labels


def template_variables(data: Mapping[str, Any], names: Mapping[str, str | None]) -> dict[str, Any]:
    """Event fields formatted for reading, derived labels, then names from projections."""
    variables = {key: _formatted(value) for key, value in data.items()}
    for key in COUNTY_FIELDS:
        if isinstance(data.get(key), str):
            variables[f"{key}_name"] = COUNTY_NAMES.get(data[key], data[key])
    if "reason_code" in data:
        code = str(data["reason_code"])
        variables["reason_label"] = LOST_REASON_NAMES.get(code, code)
    variables.update(_withdrawal_labels(data))
    variables.update(_report_labels(data))
    variables.update(_support_labels(data))
    if "class_id" in data:  # 《title》, or words that still read well for an older event
        title = data.get("class_title")
        variables["class_label"] = f"《{title}》" if title else "暖流成长营班次"
    if "status" in data:
        variables["status_label"] = ATTENDANCE.get(str(data["status"]), data["status"])
    variables.update(names)
    return variables
