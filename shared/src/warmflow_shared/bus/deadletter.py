"""Records of the dead-letter topic and the control records that resolve them.

The group's dead-letter topic is its log of letters, keyed like the events (so one key's
letters stay in order in one partition), all described by ``dlt.*`` headers:
- ``dead``: the raw poison plus why and where it failed;
- ``parked``: a later event of the same key, set aside until the dead letter is resolved;
- ``resolved``: a letter was replayed (applied) or discarded; written by the consumer.
A letter is named by its original coordinates (``letter_id``). Operators never write this
topic: they append a *control* record (replay or discard a letter) to the original topic and
partition, so the consumer that owns the key sees it in order with the key's events.
"""

from __future__ import annotations

from warmflow_shared.bus.port import DeadLetter, RawRecord, dead_letter_topic
from warmflow_shared.timefmt import format_ts, utcnow

HEADER_PREFIX = "dlt."
MAX_ERROR_CHARS = 2000
BY_KEY = -1
"""``RawRecord.partition`` value for ``publish_raw``: choose the partition from the key."""
DEAD, PARKED, RESOLVED = "dead", "parked", "resolved"
REPLAY, DISCARD = "replay", "discard"
CONTROL = HEADER_PREFIX + "control"


def letter_id(topic: str, partition: int, offset: int) -> str:
    return f"{topic}:{partition}:{offset}"


def record_letter_id(record: RawRecord) -> str:
    return letter_id(record.topic, record.partition, record.offset)


def dead_letter_record(
    record: RawRecord, error: BaseException | str, group: str, attempts: int, kind: str = DEAD
) -> RawRecord:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    ours = {
        "kind": kind,
        "id": record_letter_id(record),
        "error": text[:MAX_ERROR_CHARS],
        "error_type": "" if isinstance(error, str) else type(error).__name__,
        "original_topic": record.topic,
        "original_partition": str(record.partition),
        "original_offset": str(record.offset),
        "group": group,
        "attempts": str(attempts),
        "failed_at": format_ts(utcnow()),
    }
    original = tuple(h for h in record.headers if not h[0].startswith(HEADER_PREFIX))
    return _letter_topic_record(group, record.key, record.value, _headers(ours) + original)


def resolution_record(letter: DeadLetter, resolution: str) -> RawRecord:
    ours = {
        "kind": RESOLVED,
        "id": letter.letter_id,
        "resolution": resolution,
        "original_topic": letter.original_topic,
        "original_partition": str(letter.original_partition),
        "group": letter.group,
        "failed_at": format_ts(utcnow()),
    }
    return _letter_topic_record(letter.group, letter.record.key, b"", _headers(ours))


def control_record(letter: DeadLetter, action: str) -> RawRecord:
    """An operator's order, appended to the letter's original partition (not an event)."""
    ours = {"control": action, "group": letter.group, "id": letter.letter_id}
    return RawRecord(
        topic=letter.original_topic,
        partition=letter.original_partition,
        offset=-1,
        key=letter.record.key,
        value=b"",
        headers=_headers(ours),
    )


def dlt_headers(record: RawRecord) -> dict[str, str]:
    return {
        k[len(HEADER_PREFIX) :]: v.decode("utf-8", "replace")
        for k, v in record.headers
        if k.startswith(HEADER_PREFIX)
    }


def parse_dead_letter(stored: RawRecord) -> DeadLetter:
    """The original record (its topic, partition, offset, headers) and why it failed."""
    ours = dlt_headers(stored)
    original = RawRecord(
        topic=ours.get("original_topic", ""),
        partition=int(ours.get("original_partition", "-1")),
        offset=int(ours.get("original_offset", "-1")),
        key=stored.key,
        value=stored.value,
        headers=tuple(h for h in stored.headers if not h[0].startswith(HEADER_PREFIX)),
    )
    return DeadLetter(
        record=original,
        error=ours.get("error", ""),
        original_topic=original.topic,
        original_partition=original.partition,
        original_offset=original.offset,
        group=ours.get("group", ""),
        attempts=int(ours.get("attempts", "0")),
        kind=ours.get("kind", DEAD),
        letter_id=ours.get("id") or record_letter_id(original),
        failed_at=ours.get("failed_at", ""),
    )


def _headers(ours: dict[str, str]) -> tuple[tuple[str, bytes], ...]:
    return tuple((HEADER_PREFIX + k, v.encode()) for k, v in ours.items())


def _letter_topic_record(
    group: str, key: bytes | None, value: bytes, headers: tuple[tuple[str, bytes], ...]
) -> RawRecord:
    return RawRecord(dead_letter_topic(group), BY_KEY, -1, key, value, headers)
