"""Which failures pause and retry without limit, and which are dead-lettered."""

from __future__ import annotations

import sqlite3

import pydantic
import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
)
from pymongo.errors import AutoReconnect, DuplicateKeyError, ServerSelectionTimeoutError
from warmflow_shared.bus.failures import (
    FailureClass,
    PermanentError,
    TransientError,
    classify,
)
from warmflow_shared.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from warmflow_shared.events.envelope import EnvelopeError


class Model(pydantic.BaseModel):
    n: int


def validation_error() -> pydantic.ValidationError:
    try:
        Model.model_validate({"n": "x"})
    except pydantic.ValidationError as exc:
        return exc
    raise AssertionError


def wrapped(inner: BaseException) -> Exception:
    try:
        raise inner
    except BaseException as exc:
        try:
            raise RuntimeError("store call failed") from exc
        except RuntimeError as outer:
            return outer


TRANSIENT = [
    TimeoutError(),
    TimeoutError(),
    ConnectionRefusedError(),
    ConnectionResetError(),
    AutoReconnect("primary gone"),
    ServerSelectionTimeoutError("no servers"),
    sqlite3.OperationalError("database is locked"),
    KafkaConnectionError(),
    NotLeaderForPartitionError(),
    ServiceUnavailable("存储暂不可用"),
    TransientError("try later"),
    wrapped(AutoReconnect("x")),
]
PERMANENT = [
    ValueError("bad data"),
    KeyError("missing"),
    EnvelopeError("not JSON"),
    validation_error(),
    InvalidInput("字段有误"),
    Conflict("状态不允许"),
    NotFound("无此成员"),
    DuplicateKeyError("dup"),
    sqlite3.OperationalError("no such table: members"),
    MessageSizeTooLargeError(),
    PermanentError("never"),
    wrapped(ValueError("x")),
]


@pytest.mark.parametrize("error", TRANSIENT, ids=lambda e: type(e).__name__)
def test_transient(error: BaseException) -> None:
    assert classify(error) is FailureClass.TRANSIENT


@pytest.mark.parametrize("error", PERMANENT, ids=lambda e: type(e).__name__)
def test_permanent(error: BaseException) -> None:
    assert classify(error) is FailureClass.PERMANENT


def test_an_explicit_permanent_error_wins_over_its_transient_cause() -> None:
    try:
        raise PermanentError("refused for good") from TimeoutError()
    except PermanentError as exc:
        assert classify(exc) is FailureClass.PERMANENT
