"""Kafka topics as a deploy step: create what the services use, check what exists, report.

Every topic gets the same shape from settings (partitions, replication factor,
``min.insync.replicas``). An existing topic is never altered: a different shape is reported, so
an operator decides (more partitions move keys to other partitions, which breaks per-key order
for events in flight). Apps in production only check: a missing topic fails readiness.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from warmflow_shared.bus.port import Subscription, dead_letter_topic
from warmflow_shared.events.catalog import CATALOG

MIN_ISR = "min.insync.replicas"
VISIBLE_WITHIN_SECONDS = 10.0


@dataclass(frozen=True)
class TopicShape:
    partitions: int = 3
    replication_factor: int = 1
    min_insync_replicas: int = 1

    def new_topic(self, name: str) -> NewTopic:
        configs = {MIN_ISR: str(self.min_insync_replicas)}
        return NewTopic(name, self.partitions, self.replication_factor, topic_configs=configs)

    def differences(self, found: TopicShape) -> list[str]:
        pairs = {
            "partitions": (found.partitions, self.partitions),
            "replication factor": (found.replication_factor, self.replication_factor),
            MIN_ISR: (found.min_insync_replicas, self.min_insync_replicas),
        }
        return [f"{name} {got} (want {want})" for name, (got, want) in pairs.items() if got != want]


@dataclass
class TopicReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    mismatched: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"created {t}" for t in self.created] + [f"ok {t}" for t in self.unchanged]
        out += [f"MISMATCH {t}: {', '.join(why)}" for t, why in self.mismatched.items()]
        return out


class MissingTopics(RuntimeError):
    """Topics the app needs do not exist (production never creates them)."""

    safe_to_show = True  # topic names only: readiness may print the message

    def __init__(self, topics: Iterable[str]) -> None:
        self.topics = sorted(topics)
        super().__init__(f"missing Kafka topics {', '.join(self.topics)}: run `warmflow topics`")


def service_topics(subscriptions: Iterable[Subscription]) -> list[str]:
    """Every event topic of the contracts, what the groups read, and each group's dead letters."""
    subs = list(subscriptions)
    names = set(CATALOG.topics()) | {t for s in subs for t in s.topics}
    return sorted(names | {dead_letter_topic(s.group) for s in subs})


async def ensure_topics(
    servers: str, topics: Iterable[str], shape: TopicShape, *, client_id: str = "warmflow-topics"
) -> TopicReport:
    """Create the missing topics, check the existing ones; idempotent."""
    admin = AIOKafkaAdminClient(bootstrap_servers=servers, client_id=client_id)
    await admin.start()
    try:
        return await _ensure(admin, sorted(set(topics)), shape)
    finally:
        await admin.close()


async def _ensure(admin: AIOKafkaAdminClient, wanted: list[str], shape: TopicShape) -> TopicReport:
    report = TopicReport()
    existing = set(await admin.list_topics())
    missing = [t for t in wanted if t not in existing]
    if missing:
        response = await admin.create_topics([shape.new_topic(t) for t in missing])
        for topic, code, *_ in response.topic_errors:
            if not code:
                report.created.append(topic)
            elif for_code(code) is not TopicAlreadyExistsError:  # a concurrent run made it
                raise for_code(code)(f"cannot create topic {topic}")
        await _until_visible(admin, report.created)
    present = sorted(set(wanted) - set(report.created))
    for topic, found in (await _shapes(admin, present)).items():
        if why := shape.differences(found):
            report.mismatched[topic] = why
        else:
            report.unchanged.append(topic)
    report.created.sort()
    return report


async def _until_visible(admin: AIOKafkaAdminClient, topics: list[str]) -> None:
    """Wait until the broker's metadata shows every partition of the new topics with a leader.

    Kafka accepts a creation before its brokers' metadata lists the topic: a readiness check or
    a producer right after would find it missing. Bounded: past the limit the caller goes on,
    and a later check reports what is still missing."""
    if not topics:
        return
    deadline = asyncio.get_running_loop().time() + VISIBLE_WITHIN_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        if _led(await admin.describe_topics(topics), topics):
            return
        await asyncio.sleep(0.05)  # the broker's metadata moves on its own: nothing to wait on


def _led(described: list[dict[str, Any]], topics: list[str]) -> bool:
    by_name = {t["topic"]: t for t in described if not t.get("error_code")}
    return all(
        name in by_name
        and by_name[name]["partitions"]
        and all(
            not p.get("error_code") and p.get("leader", -1) >= 0
            for p in by_name[name]["partitions"]
        )
        for name in topics
    )


async def _shapes(admin: AIOKafkaAdminClient, topics: list[str]) -> dict[str, TopicShape]:
    if not topics:
        return {}
    described = {t["topic"]: t for t in await admin.describe_topics(topics)}
    resources = [ConfigResource(ConfigResourceType.TOPIC, t, {MIN_ISR: None}) for t in topics]
    isr = _min_isr(await admin.describe_configs(resources))
    return {
        topic: TopicShape(
            partitions=len(described[topic]["partitions"]),
            replication_factor=_replicas(described[topic]),
            min_insync_replicas=isr.get(topic, 1),
        )
        for topic in topics
    }


def _replicas(topic: dict[str, Any]) -> int:
    return min((len(p["replicas"]) for p in topic["partitions"]), default=0)


def _min_isr(responses: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for response in responses:
        for resource in response.to_object()["resources"]:
            for entry in resource["config_entries"]:
                if entry["config_names"] == MIN_ISR:
                    found[resource["resource_name"]] = int(entry["config_value"])
    return found


async def missing_topics(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> list[str]:
    return sorted(set(topics) - set(await admin.list_topics()))
