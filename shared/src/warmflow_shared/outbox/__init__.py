"""Aggregate persistence with an outbox: state, version and pending events in one document."""

from warmflow_shared.outbox.deadlines import Deadline, DeadlineScheduler
from warmflow_shared.outbox.relay import OutboxRelay
from warmflow_shared.outbox.store import AggregateStore, Loaded

__all__ = ["AggregateStore", "Deadline", "DeadlineScheduler", "Loaded", "OutboxRelay"]
