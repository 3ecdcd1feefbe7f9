"""Per-key order after a dead letter, and transient pauses, through the processing core alone."""

from __future__ import annotations

import sqlite3

from warmflow_shared.bus.deadletter import DISCARD, REPLAY, control_record
from warmflow_shared.bus.holds import LetterBook
from warmflow_shared.bus.port import DeadLetter, RawRecord, RetryPolicy, Subscription
from warmflow_shared.events.envelope import Envelope

from .support import events
from .test_processing import Letters, raw

FAST = RetryPolicy(attempts=2, first_delay=0.001, max_delay=0.001)


class Consumer:
    """One partition of topic ``t``: records get offsets in order; effects are listed."""

    def __init__(self, group: str = "g") -> None:
        self.letters = Letters()
        self.applied: list[tuple[str, int]] = []
        self.broken = True
        self.locked = 0
        self.offset = 0
        self.sub = Subscription(group, ("t",), self.handle, retry=FAST)
        self.processor = self.letters.processor(self.sub)

    async def handle(self, env: Envelope) -> None:
        if self.locked:
            self.locked -= 1
            raise sqlite3.OperationalError("database is locked")
        if env.data.get("poison") and self.broken:
            raise ValueError("cannot digest")
        self.applied.append((env.subject, env.data["seq"]))

    def records(self, *envs: Envelope) -> list[RawRecord]:
        made = [raw(env, self.offset + i) for i, env in enumerate(envs)]
        self.offset += len(made)
        return made

    async def order(self, letter: DeadLetter, action: str) -> None:
        control = control_record(letter, action)
        record = RawRecord("t", 1, self.offset, control.key, control.value, control.headers)
        self.offset += 1
        result = await self.processor.process([record])
        assert result.next_offset == self.offset

    async def book(self) -> LetterBook:
        return LetterBook.of(await self.letters.read(self.sub.group))


def poison_then_good() -> list[Envelope]:
    [poison] = events("K", 1, poison=True)
    return [poison, *events("J", 1), *events("K", 2, start=1)]


async def test_later_events_of_a_dead_lettered_key_are_parked_not_applied() -> None:
    consumer = Consumer()
    result = await consumer.processor.process(consumer.records(*poison_then_good()))
    assert result.next_offset == 4 and result.retry_in is None
    assert consumer.applied == [("J", 0)]
    dead, *parked = (await consumer.book()).unresolved()
    assert (dead.kind, dead.original_offset, dead.error) == ("dead", 0, "ValueError: cannot digest")
    assert [(p.kind, p.original_offset) for p in parked] == [("parked", 2), ("parked", 3)]
    assert "t:1:0" in parked[0].error


async def test_replay_after_a_fix_applies_the_dead_letter_then_what_waited() -> None:
    consumer = Consumer()
    await consumer.processor.process(consumer.records(*poison_then_good()))
    [dead] = (await consumer.book()).heads()
    consumer.broken = False
    await consumer.order(dead, REPLAY)
    assert consumer.applied == [("J", 0), ("K", 0), ("K", 1), ("K", 2)]
    assert (await consumer.book()).unresolved() == []
    await consumer.processor.process(consumer.records(*events("K", 1, start=3)))
    assert consumer.applied[-1] == ("K", 3)


async def test_replay_without_a_fix_keeps_the_key_held() -> None:
    consumer = Consumer()
    await consumer.processor.process(consumer.records(*poison_then_good()))
    [dead] = (await consumer.book()).heads()
    await consumer.order(dead, REPLAY)
    assert consumer.applied == [("J", 0)]
    assert [x.kind for x in (await consumer.book()).unresolved()] == ["dead", "parked", "parked"]


async def test_discard_drops_the_dead_letter_and_applies_what_waited() -> None:
    consumer = Consumer()
    await consumer.processor.process(consumer.records(*poison_then_good()))
    [dead] = (await consumer.book()).heads()
    await consumer.order(dead, DISCARD)
    assert consumer.applied == [("J", 0), ("K", 1), ("K", 2)]
    assert (await consumer.book()).unresolved() == []


async def test_orders_for_another_group_or_a_resolved_letter_change_nothing() -> None:
    consumer = Consumer()
    await consumer.processor.process(consumer.records(*poison_then_good()))
    [dead] = (await consumer.book()).heads()
    other = DeadLetter(dead.record, "", "t", 1, 0, "other-group", 0, letter_id=dead.letter_id)
    await consumer.order(other, DISCARD)
    assert len((await consumer.book()).unresolved()) == 3
    consumer.broken = False
    await consumer.order(dead, REPLAY)
    await consumer.order(dead, REPLAY)  # a second click, or a redelivered order
    assert consumer.applied.count(("K", 0)) == 1


async def test_a_redelivered_batch_is_not_lettered_twice() -> None:
    consumer = Consumer()
    records = consumer.records(*poison_then_good())
    await consumer.processor.process(records)
    written = len(consumer.letters.records)
    restarted = consumer.letters.processor(consumer.sub)  # a new owner reloads the held keys
    result = await restarted.process(records)
    assert result.next_offset == 4 and len(consumer.letters.records) == written


async def test_transient_failures_pause_with_growing_backoff_and_never_dead_letter() -> None:
    consumer = Consumer()
    consumer.locked = 4
    records = consumer.records(*events("J", 2))
    delays = []
    while (result := await consumer.processor.process(records)).retry_in is not None:
        assert result.resume_offset == records[0].offset and result.next_offset is None
        delays.append(result.retry_in)
    assert delays == [FAST.transient_delay(n) for n in range(1, 5)]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert consumer.applied == [("J", 0), ("J", 1)] and consumer.letters.records == []
