"""``warmflow topics``: every topic the services use, created once, the same again changes
nothing, another shape is reported (real broker for the last two)."""

from __future__ import annotations

import pytest
from warmflow_gateway.cli import main
from warmflow_gateway.topics import platform_subscriptions
from warmflow_shared.bus.port import dead_letter_topic
from warmflow_shared.bus.topics import service_topics
from warmflow_shared.events.catalog import CATALOG


async def test_the_topics_are_the_contracts_and_each_groups_dead_letters() -> None:
    subscriptions = await platform_subscriptions()
    topics = set(service_topics(subscriptions))

    groups = {s.group for s in subscriptions}
    assert {"registry.members", "registry.stats", "notify.notices", "transfers.registry"} <= groups
    assert set(CATALOG.topics()) <= topics
    assert {t for s in subscriptions for t in s.topics} <= topics
    assert {dead_letter_topic(g) for g in groups} <= topics
    assert len(topics) == len(set(CATALOG.topics()) | {dead_letter_topic(g) for g in groups})


@pytest.mark.kafka
def test_topics_command_is_idempotent_and_reports_another_shape(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WARMFLOW_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("WARMFLOW_KAFKA_PARTITIONS", "3")
    total = len(service_topics([]))  # at least the contracts' topics

    assert main(["topics"]) == 0
    first = capsys.readouterr().out
    assert main(["topics"]) == 0
    second = capsys.readouterr().out.splitlines()

    assert "MISMATCH" not in first
    assert second[-1].startswith("0 created, ") and " 0 with another shape" in second[-1]
    assert sum(line.startswith("ok ") for line in second) >= total

    monkeypatch.setenv("WARMFLOW_KAFKA_PARTITIONS", "4")
    assert main(["topics"]) == 1
    mismatched = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("MISMATCH")]
    assert "MISMATCH warmflow.registry.member: partitions 3 (want 4)" in mismatched
