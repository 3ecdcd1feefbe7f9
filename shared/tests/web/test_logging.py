from __future__ import annotations

import io
import json
import logging

import structlog
from warmflow_shared.logging import configure_logging


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_stdlib_records_become_json_with_context(log_stream: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(correlation_id="c-1", event_id="e-1"):
        logging.getLogger("uvicorn.error").info("started %s", "server", extra={"port": 1})

    [record] = lines(log_stream)
    assert record["event"] == "started server"
    assert record["logger"] == "uvicorn.error"
    assert (record["correlation_id"], record["event_id"]) == ("c-1", "e-1")
    assert record["service"] == "demo"
    assert record["port"] == 1


def test_bound_service_wins_over_the_process_default(log_stream: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(service="transfers"):
        structlog.get_logger("x").warning("transfer.late", transfer_id="t-1")

    [record] = lines(log_stream)
    assert (record["service"], record["transfer_id"], record["level"]) == (
        "transfers",
        "t-1",
        "warning",
    )


def test_level_filters_and_reconfiguring_replaces_the_handler(log_stream: io.StringIO) -> None:
    second = io.StringIO()
    configure_logging("demo", "WARNING", json=True, stream=second)

    structlog.get_logger("x").info("quiet")
    structlog.get_logger("x").error("loud")

    assert log_stream.getvalue() == ""
    assert [r["event"] for r in lines(second)] == ["loud"]


def test_console_renderer_for_development(log_stream: io.StringIO) -> None:
    console = io.StringIO()
    configure_logging("demo", "INFO", json=False, stream=console)

    structlog.get_logger("x").info("hello", who="dev")

    assert "hello" in console.getvalue()
    assert "who" in console.getvalue()
    assert not console.getvalue().startswith("{")
