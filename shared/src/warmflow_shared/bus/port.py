"""The bus port: publish envelopes to topics, consume them in groups, dead-letter poison.

Semantics both adapters honour:
- per-subject order: the subject is the partition key, a partition is consumed in order;
- at-least-once: offsets are committed only after the handler's effects are stored, so a
  crash or shutdown mid-batch redelivers (handlers are idempotent, see ``idempotency``);
- failures are classified (``failures``): a transient one pauses the partition and retries with
  backoff without limit; a permanent one gets bounded retries, then the raw record goes to the
  group's dead-letter topic with the error and its original coordinates in headers, and the
  partition moves on;
- per key, nothing overtakes a dead letter: later events of its key are parked behind it
  (``holds``) until it is replayed or discarded, then applied in their order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from warmflow_shared.events.envelope import Envelope

Handler = Callable[[Envelope], Awaitable[None]]
BatchHandler = Callable[[Sequence[Envelope]], Awaitable[None]]

DEAD_LETTER_PREFIX = "warmflow.deadletter."


def dead_letter_topic(group: str) -> str:
    return DEAD_LETTER_PREFIX + group


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Attempts for a permanent failure before it is dead-lettered."""
    first_delay: float = 0.05
    max_delay: float = 2.0
    transient_max_delay: float = 30.0
    """Longest pause between retries of a transient failure (retried without limit)."""

    def delay(self, attempt: int) -> float:
        return self._backoff(attempt, self.max_delay)

    def transient_delay(self, attempt: int) -> float:
        return self._backoff(attempt, self.transient_max_delay)

    def _backoff(self, attempt: int, ceiling: float) -> float:
        return float(min(ceiling, self.first_delay * (2 ** min(attempt - 1, 30))))


@dataclass(frozen=True)
class Subscription:
    """A consumer group's interest: which topics, and what to do with each event.

    ``handle_batch`` is an optional fast path: it gets a partition's decoded batch at once and
    must be idempotent; if it raises, the batch is replayed event by event through ``handle``
    so that only the poison event is retried and dead-lettered.
    """

    group: str
    topics: tuple[str, ...]
    handle: Handler
    handle_batch: BatchHandler | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class DeadLetter:
    record: RawRecord
    error: str
    original_topic: str
    original_partition: int
    original_offset: int
    group: str
    attempts: int
    kind: str = "dead"
    """``dead`` (failed) or ``parked`` (waiting behind an earlier dead letter of its key)."""
    letter_id: str = ""
    failed_at: str = ""


class EventBus(ABC):
    @abstractmethod
    async def start(self) -> None:
        """Connect the producer and start every subscription's consumers."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop consumers (reverse start order, committing what is done), then the producer."""

    @abstractmethod
    def subscribe(self, subscription: Subscription) -> None:
        """Register a consumer group; must be called before ``start``."""

    @abstractmethod
    async def publish(self, topic: str, envelopes: Sequence[Envelope]) -> None:
        """Return once the bus has durably accepted every envelope, in order per subject."""

    @abstractmethod
    async def publish_raw(self, record: RawRecord) -> None:
        """Write bytes as they are (dead letters, tests of poison messages)."""

    @abstractmethod
    async def dead_letter_log(
        self, group: str, after: Mapping[int, int] | None = None
    ) -> list[RawRecord]:
        """The group's dead-letter topic as stored, per partition in order, up to its end now;
        from ``after[partition]`` (an offset) where given, else from the start."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the bus cannot be reached."""

    @abstractmethod
    def consumer_lag(self) -> dict[tuple[str, str, int], int]:
        """Last known lag per (group, topic, partition)."""
