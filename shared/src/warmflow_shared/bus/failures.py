"""Why a handler failed decides what the bus does next.

- ``TRANSIENT``: the world is briefly unavailable (store or broker down, a timeout, a lost
  connection, SQLite's "database is locked"). Retrying later will work, so the partition pauses
  and retries with backoff for as long as it takes; such an event is never dead-lettered.
- ``PERMANENT``: the event itself cannot be applied (a contract violation, a domain refusal, a
  bug). A few quick attempts, then it is dead-lettered with the reason.

Pure: the classes of drivers are recognised by name, so this module imports none of them.
"""

from __future__ import annotations

import sqlite3
from enum import Enum


class FailureClass(Enum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


class TransientError(Exception):
    """Raise (or chain) from a handler to say: retry later, without limit."""


class PermanentError(Exception):
    """Raise (or chain) from a handler to say: this event can never be applied as it is."""


TRANSIENT_NAMES = frozenset(
    {
        "pymongo.errors.ConnectionFailure",  # AutoReconnect, ServerSelectionTimeoutError, ...
        "pymongo.errors.ExecutionTimeout",
        "pymongo.errors.WTimeoutError",
        "pymongo.errors.WaitQueueTimeoutError",
        "aiokafka.errors.KafkaConnectionError",
        "aiokafka.errors.KafkaTimeoutError",
        "warmflow_shared.errors.ServiceUnavailable",
    }
)
TRANSIENT_TYPES: tuple[type[BaseException], ...] = (TransientError, TimeoutError, ConnectionError)
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
MAX_CHAIN = 8


def classify(error: BaseException) -> FailureClass:
    """TRANSIENT when the error, or an error it was raised from, is a passing unavailability."""
    seen: BaseException | None = error
    for _ in range(MAX_CHAIN):
        if seen is None or isinstance(seen, PermanentError):
            break
        if _is_transient(seen):
            return FailureClass.TRANSIENT
        seen = seen.__cause__ or seen.__context__
    return FailureClass.PERMANENT


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, TRANSIENT_TYPES):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return any(text in str(error).lower() for text in SQLITE_BUSY)
    if getattr(error, "retriable", False) is True:  # aiokafka's retriable broker errors
        return True
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in type(error).__mro__}
    return not names.isdisjoint(TRANSIENT_NAMES)
