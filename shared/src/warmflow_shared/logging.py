"""structlog JSON logs for every service, with stdlib (uvicorn, aiokafka, …) routed through it.

Context (``correlation_id``, ``event_id``, request path…) is bound with
``structlog.contextvars`` by the HTTP middleware and the consumers, and merged into every line.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

_HANDLER_MARK = "_warmflow_handler"
_QUIET_LOGGERS = ("uvicorn.access", "aiokafka", "pymongo")


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _default_service(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        event_dict.pop("color_message", None)  # uvicorn's ANSI duplicate of the message
        return event_dict

    return add_service


def _formatter(service: str, json: bool) -> logging.Formatter:
    renderer: Processor
    tail: list[Processor]
    if json:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
        tail = [structlog.processors.format_exc_info]
    else:
        renderer = structlog.dev.ConsoleRenderer()
        tail = []
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _default_service(service),
            *tail,
            renderer,
        ],
    )


def _install_handler(handler: logging.Handler, level: int) -> None:
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)


def _route_uvicorn_through_root() -> None:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name in _QUIET_LOGGERS:
        # our middleware logs each request once; these would repeat it or chatter at INFO
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(
    service: str, level: str = "INFO", *, json: bool = True, stream: TextIO | None = None
) -> None:
    """Configure structlog and stdlib logging for the process; safe to call again."""
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # not cached: a later configure (or a test's capture_logs) must reach module-level loggers
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(_formatter(service, json))
    _install_handler(handler, numeric_level)
    _route_uvicorn_through_root()
