"""The unresolved letters of a consumer group, per key in order: folded from its letter log.

Per-key policy: once an event of key K is dead-lettered, K is *held*. Every later event of K
is parked behind it (a ``parked`` letter), not applied, until the dead letter is replayed or
discarded; then the parked events are applied in their order. A key's queue therefore always
starts with its dead letter, followed by what waits behind it. Keyless records hold nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from warmflow_shared.bus.deadletter import DEAD, RESOLVED, dlt_headers, parse_dead_letter
from warmflow_shared.bus.port import DeadLetter, RawRecord

Scope = Callable[[dict[str, str]], bool]


def everything(headers: dict[str, str]) -> bool:
    return True


def partition_scope(topic: str, partition: int) -> Scope:
    """Only the letters of one original partition: what one partition's consumer holds."""

    def ours(headers: dict[str, str]) -> bool:
        return (headers.get("original_topic"), headers.get("original_partition")) == (
            topic,
            str(partition),
        )

    return ours


class LetterBook:
    def __init__(self, scope: Scope = everything) -> None:
        self._scope = scope
        self._queues: dict[bytes, list[DeadLetter]] = {}
        self._keyless: dict[str, DeadLetter] = {}
        self._sequence: dict[str, int] = {}
        self.positions: dict[int, int] = {}
        """Next offset to read per letter-topic partition (incremental reads)."""

    @classmethod
    def of(cls, records: Iterable[RawRecord], scope: Scope = everything) -> LetterBook:
        book = cls(scope)
        for record in records:
            book.apply(record)
        return book

    def apply(self, stored: RawRecord) -> None:
        if stored.offset >= 0:
            self.positions[stored.partition] = stored.offset + 1
        headers = dlt_headers(stored)
        if not self._scope(headers):
            return
        if headers.get("kind") == RESOLVED:
            self._resolve(stored.key, headers.get("id", ""))
        else:
            self._add(parse_dead_letter(stored))

    def seen(self, letter_id: str) -> bool:
        """True once the letter was ever written (so a redelivered record is not lettered twice)."""
        return letter_id in self._sequence

    def held(self, key: bytes | None) -> bool:
        return key is not None and bool(self._queues.get(key))

    def queue(self, key: bytes | None) -> list[DeadLetter]:
        return list(self._queues.get(key, ())) if key is not None else []

    def find(self, letter_id: str) -> DeadLetter | None:
        return next((x for x in self.unresolved() if x.letter_id == letter_id), None)

    def unresolved(self) -> list[DeadLetter]:
        letters = [x for queue in self._queues.values() for x in queue] + [*self._keyless.values()]
        return sorted(letters, key=lambda x: self._sequence[x.letter_id])

    def newest_first(self) -> list[DeadLetter]:
        return sorted(
            self.unresolved(),
            key=lambda x: (x.failed_at, self._sequence[x.letter_id]),
            reverse=True,
        )

    def heads(self) -> list[DeadLetter]:
        """The dead letters that hold their keys (plus keyless dead letters)."""
        firsts = [queue[0] for queue in self._queues.values() if queue]
        return [x for x in [*firsts, *self._keyless.values()] if x.kind == DEAD]

    def _add(self, letter: DeadLetter) -> None:
        self._sequence.setdefault(letter.letter_id, len(self._sequence))
        if letter.record.key is None:
            self._keyless[letter.letter_id] = letter
            return
        queue = self._queues.setdefault(letter.record.key, [])
        for i, known in enumerate(queue):
            if known.letter_id == letter.letter_id:  # a parked event failed once released
                queue[i] = letter
                return
        queue.append(letter)

    def _resolve(self, key: bytes | None, letter_id: str) -> None:
        self._keyless.pop(letter_id, None)
        if key is None:
            return
        queue = [x for x in self._queues.get(key, []) if x.letter_id != letter_id]
        if queue:
            self._queues[key] = queue
        else:
            self._queues.pop(key, None)
