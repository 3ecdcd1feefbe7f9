"""Timestamps as fixed-width UTC strings, so that string order is time order in every store."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every timestamp must carry a time zone")
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_ts(text: str) -> datetime:
    if not isinstance(text, str):
        raise TypeError("timestamp must be a string")
    if len(text) == 27 and text.endswith("Z"):
        return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("timestamp lacks a time zone")
    return moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
