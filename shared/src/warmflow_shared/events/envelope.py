"""The one envelope every integration event travels in, on every bus."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from warmflow_shared.timefmt import format_ts, parse_ts

_REQUIRED = ("event_id", "type", "version", "occurred_at", "producer", "subject", "data")


class EnvelopeError(ValueError):
    """Raised when bytes on the wire are not a well-formed envelope."""


def new_event_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str
    version: int
    producer: str
    subject: str
    data: dict[str, Any]
    event_id: str = field(default_factory=new_event_id)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""
    causation_id: str | None = None

    def __post_init__(self) -> None:
        if not self.correlation_id:
            # A new flow starts here: its correlation id is the first event's own id.
            object.__setattr__(self, "correlation_id", self.event_id)

    def caused(self, **changes: Any) -> Envelope:
        """A copy whose fields are changed; used by tests and by re-issuers."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "version": self.version,
            "occurred_at": format_ts(self.occurred_at),
            "producer": self.producer,
            "subject": self.subject,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": self.data,
        }

    def encode(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        if not isinstance(raw, dict):
            raise EnvelopeError("envelope must be a JSON object")
        missing = [key for key in _REQUIRED if key not in raw]
        if missing:
            raise EnvelopeError(f"envelope lacks {', '.join(missing)}")
        data, version = raw["data"], raw["version"]
        if not isinstance(data, dict):
            raise EnvelopeError("envelope data must be a JSON object")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise EnvelopeError("envelope version must be a positive integer")
        try:
            occurred_at = parse_ts(raw["occurred_at"])
        except (TypeError, ValueError) as exc:
            raise EnvelopeError(f"envelope occurred_at is not a timestamp: {exc}") from exc
        return cls(
            event_id=_text(raw, "event_id"),
            type=_text(raw, "type"),
            version=version,
            occurred_at=occurred_at,
            producer=_text(raw, "producer"),
            subject=_text(raw, "subject"),
            correlation_id=str(raw.get("correlation_id") or raw["event_id"]),
            causation_id=raw.get("causation_id"),
            data=data,
        )

    @classmethod
    def decode(cls, payload: bytes) -> Envelope:
        try:
            raw = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise EnvelopeError(f"not JSON: {exc}") from exc
        return cls.from_dict(raw)

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers: the ids that let logs be joined across services without decoding."""
        pairs = [
            ("event_id", self.event_id),
            ("type", self.type),
            ("version", str(self.version)),
            ("correlation_id", self.correlation_id),
        ]
        if self.causation_id:
            pairs.append(("causation_id", self.causation_id))
        return [(key, value.encode()) for key, value in pairs]


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise EnvelopeError(f"envelope {key} must be a non-empty string")
    return value
