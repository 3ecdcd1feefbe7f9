"""Timestamps as fixed-width UTC strings, so that string order is time order in every store."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # what format_ts produces


def format_ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every timestamp must carry a time zone")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat with fixed microseconds is the same string as _FORMAT, without strftime's cost.
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def parse_ts(text: str) -> datetime:
    if not isinstance(text, str):
        raise TypeError("timestamp must be a string")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("timestamp lacks a time zone")
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
