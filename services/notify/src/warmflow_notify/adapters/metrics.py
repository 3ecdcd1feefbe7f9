"""The notify service's programme metrics for Prometheus: channels and results only, never a
recipient or an address."""

from __future__ import annotations

from prometheus_client import Counter
from warmflow_shared.metrics import REGISTRY, metric_prefix

from warmflow_notify import SERVICE
from warmflow_notify.domain.model import CHANNELS

RESULTS = ("delivered", "retrying", "failed")  # a notice's status after an attempt

NOTICES = Counter(
    f"{metric_prefix(SERVICE)}_notice_attempts",
    "Attempts to send a notice, by channel and the notice's status after it",
    ("channel", "result"),
    registry=REGISTRY,
)
for _channel in CHANNELS:  # every series from the start: "none failed" reads as 0, not absent
    for _result in RESULTS:
        NOTICES.labels(channel=_channel, result=_result)


def attempted(channel: str, status: str) -> None:
    NOTICES.labels(channel=channel, result=status).inc()
