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
# any code's timeout or lost connection: transient for a handler of the bus (retried), but not
# by itself a sign that the store or the bus is down
GENERIC_TYPES: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError)
SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
MAX_CHAIN = 8


def classify(error: BaseException) -> FailureClass:
    """TRANSIENT when the error, or an error it was raised from, is a passing unavailability."""
    return FailureClass.TRANSIENT if _in_chain(error, generic=True) else FailureClass.PERMANENT


def backend_unavailable(error: BaseException) -> bool:
    """The store or the bus does not answer, said by their own errors (a driver's, SQLite's
    "database is locked", ``TransientError``, ``ServiceUnavailable``): what an HTTP request is
    answered 503 for. A bare ``TimeoutError`` or ``ConnectionError`` is not enough: a partner's
    (an SMS gateway's, a mail server's) is no outage of the platform's store or bus."""
    return _in_chain(error, generic=False)


def _in_chain(error: BaseException, *, generic: bool) -> bool:
    seen: BaseException | None = error
    for _ in range(MAX_CHAIN):
        if seen is None or isinstance(seen, PermanentError):
            break
        if _is_transient(seen, generic=generic):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_transient(error: BaseException, *, generic: bool) -> bool:
    if isinstance(error, TransientError) or (generic and isinstance(error, GENERIC_TYPES)):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return any(text in str(error).lower() for text in SQLITE_BUSY)
    if getattr(error, "retriable", False) is True:  # aiokafka's retriable broker errors
        return True
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in type(error).__mro__}
    return not names.isdisjoint(TRANSIENT_NAMES)
