from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from warmflow_shared.events.envelope import Envelope, EnvelopeError, new_event_id


def _envelope() -> Envelope:
    return Envelope(
        type="registry.CheckedIn",
        version=1,
        producer="registry",
        subject="m-1",
        data={"member_id": "m-1", "name": "张晓红"},
        occurred_at=datetime(2026, 11, 27, 9, 30, 0, tzinfo=UTC),
        correlation_id="corr-1",
        causation_id="cause-1",
    )


def test_round_trip_keeps_every_field() -> None:
    original = _envelope()
    assert Envelope.decode(original.encode()) == original


def test_timestamps_on_the_wire_are_rfc3339_utc() -> None:
    raw = orjson.loads(_envelope().encode())
    assert raw["occurred_at"] == "2026-11-27T09:30:00Z"
    with_micros = _envelope().caused(occurred_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))
    assert orjson.loads(with_micros.encode())["occurred_at"] == "2026-01-02T03:04:05.000006Z"


def test_headers_carry_the_ids() -> None:
    envelope = _envelope()
    headers = dict(envelope.headers())
    assert headers["event_id"] == envelope.event_id.encode()
    assert headers["correlation_id"] == b"corr-1"
    assert headers["causation_id"] == b"cause-1"
    assert headers["type"] == b"registry.CheckedIn"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"type": "x"}', "lacks"),
        (
            b'{"event_id":"e","type":"t","version":0,"occurred_at":"2026-01-01T00:00:00Z",'
            b'"producer":"p","subject":"s","data":{}}',
            "version",
        ),
        (
            b'{"event_id":"e","type":"t","version":1,"occurred_at":"yesterday",'
            b'"producer":"p","subject":"s","data":{}}',
            "occurred_at",
        ),
        (
            b'{"event_id":"e","type":"t","version":1,"occurred_at":"2026-01-01T00:00:00",'
            b'"producer":"p","subject":"s","data":{}}',
            "occurred_at",
        ),
        (
            b'{"event_id":"","type":"t","version":1,"occurred_at":"2026-01-01T00:00:00Z",'
            b'"producer":"p","subject":"s","data":{}}',
            "event_id",
        ),
        (
            b'{"event_id":"e","type":"t","version":1,"occurred_at":"2026-01-01T00:00:00Z",'
            b'"producer":"p","subject":"s","data":[]}',
            "data",
        ),
    ],
)
def test_malformed_envelopes_are_refused_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        Envelope.decode(payload)


def test_a_new_flow_is_correlated_by_its_first_event() -> None:
    envelope = Envelope(type="t", version=1, producer="p", subject="s", data={})
    assert envelope.correlation_id == envelope.event_id
    assert envelope.causation_id is None


WELL_FORMED = {
    "event_id": "e", "type": "t", "version": 1, "occurred_at": "2026-01-01T00:00:00Z",
    "producer": "p", "subject": "s", "correlation_id": "c", "causation_id": None, "data": {},
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"version": 0}, "version"),
        ({"version": True}, "version"),
        ({"occurred_at": "2026-01-01T00:00:00"}, "occurred_at"),
        ({"occurred_at": 20260101}, "occurred_at"),
        ({"subject": ""}, "subject"),
        ({"producer": 7}, "producer"),
        ({"data": []}, "data"),
    ],
)
def test_an_envelope_with_every_field_is_still_checked_field_by_field(
    change: dict[str, object], reason: str
) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        Envelope.decode(orjson.dumps({**WELL_FORMED, **change}))
    with pytest.raises(EnvelopeError, match=reason):
        Envelope.from_dict({**WELL_FORMED, **change})


def test_decoding_leaves_the_callers_dict_and_fills_the_ids_that_may_be_absent() -> None:
    raw = {**WELL_FORMED, "extra": "ignored"}
    del raw["correlation_id"]

    envelope = Envelope.from_dict(raw)

    assert raw["occurred_at"] == "2026-01-01T00:00:00Z" and "extra" in raw  # not adopted
    assert envelope.correlation_id == "e" and envelope.occurred_at.tzinfo is UTC
    assert Envelope.decode(orjson.dumps(raw)) == envelope
    assert Envelope.from_dict(WELL_FORMED) == Envelope.decode(orjson.dumps(WELL_FORMED))
    assert WELL_FORMED["occurred_at"] == "2026-01-01T00:00:00Z"


def test_event_ids_are_random_uuid4_hex_digits() -> None:
    ids = [new_event_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for event_id in ids:
        parsed = uuid.UUID(hex=event_id)
        assert parsed.hex == event_id and parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
