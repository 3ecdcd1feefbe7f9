"""Dead-letter records: the raw poison plus why and where it failed, in ``dlt.*`` headers."""

from __future__ import annotations

from warmflow_shared.bus.port import DeadLetter, RawRecord, dead_letter_topic
from warmflow_shared.timefmt import format_ts, utcnow

HEADER_PREFIX = "dlt."
MAX_ERROR_CHARS = 2000
BY_KEY = -1
"""``RawRecord.partition`` value for ``publish_raw``: choose the partition from the key."""


def dead_letter_record(
    record: RawRecord, error: BaseException, group: str, attempts: int
) -> RawRecord:
    text = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    ours = {
        "error": text,
        "error_type": type(error).__name__,
        "original_topic": record.topic,
        "original_partition": str(record.partition),
        "original_offset": str(record.offset),
        "group": group,
        "attempts": str(attempts),
        "failed_at": format_ts(utcnow()),
    }
    headers = tuple((HEADER_PREFIX + k, v.encode()) for k, v in ours.items())
    original = tuple(h for h in record.headers if not h[0].startswith(HEADER_PREFIX))
    return RawRecord(
        topic=dead_letter_topic(group),
        partition=BY_KEY,
        offset=-1,
        key=record.key,
        value=record.value,
        headers=headers + original,
    )


def parse_dead_letter(stored: RawRecord) -> DeadLetter:
    """The original record (its topic, partition, offset, headers) and why it failed."""
    ours = {
        k[len(HEADER_PREFIX) :]: v.decode("utf-8", "replace")
        for k, v in stored.headers
        if k.startswith(HEADER_PREFIX)
    }
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
    )
