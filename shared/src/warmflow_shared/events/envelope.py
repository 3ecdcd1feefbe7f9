"""The one envelope every integration event travels in, on every bus.

The fields live in one dict in wire order, so encoding is a single ``orjson.dumps`` (the
datetime is formatted by orjson: RFC 3339, ``Z`` for UTC) — encoding sits on every publish and
decoding on every delivery.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import orjson

from warmflow_shared.timefmt import format_ts, parse_ts

_REQUIRED = ("event_id", "type", "version", "occurred_at", "producer", "subject", "data")
_TEXTS = ("event_id", "type", "producer", "subject")


# the fields of an envelope on the wire (``_REQUIRED`` and the two ids that may be absent)
_WIRE_KEYS = frozenset((*_REQUIRED, "correlation_id", "causation_id"))


def _adopted(cls: type[Envelope], raw: Any) -> Envelope | None:
    """The fast path (every delivery): when ``raw`` holds exactly an envelope's fields, well
    formed, it becomes the envelope's fields (``occurred_at`` parsed in place); else None."""
    if type(raw) is not dict or raw.keys() != _WIRE_KEYS:
        return None
    event_id, kind, version = raw["event_id"], raw["type"], raw["version"]
    producer, subject = raw["producer"], raw["subject"]
    try:
        moment = _fromisoformat(raw["occurred_at"])
    except (TypeError, ValueError):
        return None
    if not (
        moment.tzinfo is UTC
        and type(event_id) is str
        and type(kind) is str
        and type(producer) is str
        and type(subject) is str
        and event_id
        and kind
        and producer
        and subject
        and type(raw["data"]) is dict
        and type(version) is int
        and version >= 1
        and raw["correlation_id"]
    ):
        return None
    raw["occurred_at"] = moment
    envelope = object.__new__(cls)
    envelope._fields = raw
    return envelope


_fromisoformat = datetime.fromisoformat


class EnvelopeError(ValueError):
    """Raised when bytes on the wire are not a well-formed envelope."""


def new_event_id() -> str:
    """A random (version 4) UUID's 32 hex digits, as ``uuid.uuid4().hex`` gives them, without
    building a ``UUID`` (its constructor costs more than the random bytes; one per event)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


class Envelope:
    __slots__ = ("_fields",)
    _fields: dict[str, Any]

    def __init__(
        self,
        type: str,
        version: int,
        producer: str,
        subject: str,
        data: dict[str, Any],
        event_id: str = "",
        occurred_at: datetime | None = None,
        correlation_id: str = "",
        causation_id: str | None = None,
    ) -> None:
        event_id = event_id or new_event_id()
        self._fields = {
            "event_id": event_id,
            "type": type,
            "version": version,
            "occurred_at": occurred_at or datetime.now(UTC),
            "producer": producer,
            "subject": subject,
            # A new flow starts here: its correlation id is the first event's own id.
            "correlation_id": correlation_id or event_id,
            "causation_id": causation_id,
            "data": data,
        }

    event_id = property(lambda self: self._fields["event_id"])
    type = property(lambda self: self._fields["type"])
    version = property(lambda self: self._fields["version"])
    occurred_at = property(lambda self: self._fields["occurred_at"])
    producer = property(lambda self: self._fields["producer"])
    subject = property(lambda self: self._fields["subject"])
    correlation_id = property(lambda self: self._fields["correlation_id"])
    causation_id = property(lambda self: self._fields["causation_id"])
    data = property(lambda self: self._fields["data"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Envelope) and self._fields == other._fields

    def __hash__(self) -> int:
        return hash(self._fields["event_id"])

    def __repr__(self) -> str:
        return f"Envelope({self._fields!r})"

    def caused(self, **changes: Any) -> Envelope:
        """A copy whose fields are changed; used by tests and by re-issuers."""
        return Envelope(**{**self._fields, **changes})

    def to_dict(self) -> dict[str, Any]:
        return {**self._fields, "occurred_at": format_ts(self._fields["occurred_at"])}

    def encode(self) -> bytes:
        return orjson.dumps(self._fields, option=orjson.OPT_UTC_Z)

    @classmethod
    def from_dict(cls, raw: Any) -> Envelope:
        # The fast path on a copy (the caller keeps its dict); anything unusual goes through
        # ``_checked`` for its precise error.
        envelope = _adopted(cls, dict(raw)) if type(raw) is dict else None
        return envelope or cls._checked(raw)

    @classmethod
    def _checked(cls, raw: Any) -> Envelope:
        """The slow path: validate field by field, naming what is wrong."""
        if not isinstance(raw, dict):
            raise EnvelopeError("envelope must be a JSON object")
        missing = [key for key in _REQUIRED if key not in raw]
        if missing:
            raise EnvelopeError(f"envelope lacks {', '.join(missing)}")
        for key in _TEXTS:
            if type(raw[key]) is not str or not raw[key]:
                raise EnvelopeError(f"envelope {key} must be a non-empty string")
        if not isinstance(raw["data"], dict):
            raise EnvelopeError("envelope data must be a JSON object")
        version = raw["version"]
        if type(version) is not int or version < 1:
            raise EnvelopeError("envelope version must be a positive integer")
        try:
            moment = parse_ts(raw["occurred_at"])
        except (TypeError, ValueError) as exc:
            raise EnvelopeError(f"envelope occurred_at is not a timestamp: {exc}") from exc
        envelope = cls.__new__(cls)
        envelope._fields = {
            "event_id": raw["event_id"],
            "type": raw["type"],
            "version": version,
            "occurred_at": moment,
            "producer": raw["producer"],
            "subject": raw["subject"],
            "correlation_id": raw.get("correlation_id") or raw["event_id"],
            "causation_id": raw.get("causation_id"),
            "data": raw["data"],
        }
        return envelope

    @classmethod
    def decode(cls, payload: bytes) -> Envelope:
        try:
            raw = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise EnvelopeError(f"not JSON: {exc}") from exc
        return _adopted(cls, raw) or cls._checked(raw)  # the parsed dict is this call's own

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers: the ids that let logs be joined across services without decoding."""
        fields = self._fields  # on every publish: plain lookups, no properties
        pairs = [
            ("event_id", fields["event_id"].encode()),
            ("type", fields["type"].encode()),
            ("version", str(fields["version"]).encode()),
            ("correlation_id", fields["correlation_id"].encode()),
        ]
        if causation := fields["causation_id"]:
            pairs.append(("causation_id", causation.encode()))
        return pairs
