"""The shared processing core, without a bus: dead-letter headers, timeouts, stops, log context,
failure classes, and keys held behind their dead letter until replayed or discarded."""

from __future__ import annotations

import asyncio

import structlog
from warmflow_shared.bus.deadletter import parse_dead_letter
from warmflow_shared.bus.observer import NullObserver
from warmflow_shared.bus.port import RawRecord, RetryPolicy, Subscription, dead_letter_topic
from warmflow_shared.bus.processing import RecordProcessor
from warmflow_shared.events.envelope import Envelope

from .support import events

NO_RETRY = RetryPolicy(attempts=2, first_delay=0.001, max_delay=0.001)


def raw(env: Envelope, offset: int) -> RawRecord:
    return RawRecord("t", 1, offset, env.subject.encode(), env.encode(), tuple(env.headers()))


class Letters:
    """The letter log (and control records) a processor writes, as a bus would keep them."""

    def __init__(self) -> None:
        self.records: list[RawRecord] = []

    async def publish(self, record: RawRecord) -> None:
        self.records.append(record)

    async def read(self, group: str) -> list[RawRecord]:
        return [r for r in self.records if r.topic == dead_letter_topic(group)]

    def processor(self, sub: Subscription, **options: float) -> RecordProcessor:
        return RecordProcessor(sub, self.publish, NullObserver(), read_letters=self.read, **options)


async def test_dead_letter_carries_error_and_coordinates() -> None:
    async def fail(env: Envelope) -> None:
        raise RuntimeError("x" * 5000)

    letters = Letters()
    processor = letters.processor(Subscription("g", ("t",), fail, retry=NO_RETRY))
    [env] = events("k", 1)
    result = await processor.process([raw(env, 41)])
    assert result.next_offset == 42 and not result.stopped
    [letter] = letters.records
    headers = dict(letter.headers)
    assert letter.topic == "warmflow.deadletter.g" and letter.key == b"k"
    assert headers["dlt.error_type"] == b"RuntimeError"
    assert len(headers["dlt.error"]) == 2000
    assert headers["dlt.original_offset"] == b"41" and headers["dlt.original_partition"] == b"1"
    assert headers["dlt.attempts"] == b"2" and headers["dlt.group"] == b"g"
    assert headers["dlt.failed_at"].endswith(b"Z") and headers["event_id"] == env.event_id.encode()
    parsed = parse_dead_letter(letter)
    assert (parsed.original_topic, parsed.original_offset, parsed.attempts) == ("t", 41, 2)


async def test_a_hung_handler_times_out_and_pauses_the_partition() -> None:
    async def hang(env: Envelope) -> None:
        await asyncio.Event().wait()

    letters = Letters()
    processor = letters.processor(
        Subscription("g", ("t",), hang, retry=NO_RETRY), handler_timeout=0.01
    )
    [env] = events("k", 1)
    result = await processor.process([raw(env, 7)])
    assert (result.next_offset, result.resume_offset, result.finished) == (None, 7, 0)
    assert result.retry_in == NO_RETRY.transient_delay(1)
    assert letters.records == []


async def test_stop_between_records_reports_what_is_done() -> None:
    handled: list[int] = []
    stop = False

    async def handle(env: Envelope) -> None:
        nonlocal stop
        handled.append(env.data["seq"])
        stop = env.data["seq"] == 1

    processor = Letters().processor(Subscription("g", ("t",), handle))
    records = [raw(e, 10 + i) for i, e in enumerate(events("k", 4))]
    result = await processor.process(records, lambda: stop)
    assert handled == [0, 1]
    assert (result.next_offset, result.finished, result.stopped) == (12, 2, True)


async def test_log_context_is_bound_while_handling() -> None:
    seen: dict[str, object] = {}

    async def handle(env: Envelope) -> None:
        seen.update(structlog.contextvars.get_contextvars())

    processor = Letters().processor(Subscription("g", ("t",), handle))
    [env] = events("k", 1)
    await processor.process([raw(env.caused(correlation_id="c-1"), 0)])
    assert seen == {"correlation_id": "c-1", "event_id": env.event_id, "event_type": env.type}
    assert structlog.contextvars.get_contextvars() == {}
