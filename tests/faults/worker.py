"""One process of a fault test, on the production adapters (Kafka + FerretDB), run as a script.

    python tests/faults/worker.py consume|relay

``consume``: a consumer-group member, the shared ``KafkaBus`` and an idempotent ``Projection`` in
FerretDB, as every consuming service wires them. Each event's effect appends the event's ``seq``
and this process's name to its subject's document: an event applied twice would show its ``seq``
twice, a lost one would be missing.
``relay``: the shared ``OutboxRelay`` publishing the ``outbox`` collection to Kafka, as a
producing service runs it.

Configuration comes from ``FAULTS_*`` variables (set by ``tests/faults/conftest.py``). Every
0.1 s the process writes what it did to ``FAULTS_STATUS`` (a JSON file, replaced atomically):
partitions assigned, events seen and effects applied. SIGTERM stops it gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from warmflow_shared.bus.kafka import KafkaBus
from warmflow_shared.bus.kafka_consumer import KafkaSettings
from warmflow_shared.bus.port import RetryPolicy, Subscription
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.idempotency import Projection, State
from warmflow_shared.logging import configure_logging
from warmflow_shared.outbox.relay import OutboxRelay
from warmflow_shared.storage.factory import open_store

# Short group timings: a killed member's partitions move after ~6 s (the broker's minimum
# session timeout) instead of the default 45 s. Everything else is the production default.
SETTINGS = KafkaSettings(
    poll_timeout_ms=200,
    consumer_options={
        "session_timeout_ms": 6000,
        "heartbeat_interval_ms": 500,
        "metadata_max_age_ms": 2000,
    },
)
# The transient pause is capped lower than in production (30 s) so that a test does not wait
# half a minute after a server is back; the class and the policy are the production ones.
RETRY = RetryPolicy(transient_max_delay=2.0)


def env(name: str) -> str:
    return os.environ[f"FAULTS_{name}"]


class Status:
    def __init__(self, path: Path) -> None:
        self.path, self.seen, self.applied = path, 0, 0
        self.assigned: list[str] = []

    def write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        data = {"assigned": self.assigned, "seen": self.seen, "applied": self.applied}
        tmp.write_text(json.dumps(data))
        tmp.replace(self.path)


def effect(name: str):  # type: ignore[no-untyped-def]
    def change(state: State | None, envelope: Envelope) -> State:
        state = state or {"seqs": [], "by": []}
        return {"seqs": [*state["seqs"], envelope.data["seq"]], "by": [*state["by"], name]}

    return change


async def run(mode: str, stopping: asyncio.Event) -> None:
    name, status = env("NAME"), Status(Path(env("STATUS")))
    store = open_store("mongodb", service=env("DATABASE"), mongodb_url=env("MONGODB_URL"))
    bus = KafkaBus(env("BOOTSTRAP"), client_id=name, settings=SETTINGS)
    relay: OutboxRelay | None = None
    if mode == "consume":
        effects, change = Projection(store.collection("effects")), effect(name)

        async def one(envelope: Envelope) -> None:
            status.seen += 1
            status.applied += await effects.apply(envelope.subject, envelope, change)

        async def many(envelopes: Sequence[Envelope]) -> None:
            status.seen += len(envelopes)
            status.applied += await effects.apply_batch([(e.subject, e) for e in envelopes], change)

        topics = (env("TOPIC"),)
        bus.subscribe(Subscription(env("GROUP"), topics, one, handle_batch=many, retry=RETRY))
    await bus.start()
    if mode == "relay":

        def published(n: int) -> None:
            status.applied += n  # what this process published

        outbox = [store.collection("outbox")]
        relay = OutboxRelay(outbox, bus, poll_seconds=0.2, batch_size=20, on_published=published)
        relay.start()
    try:
        while not stopping.is_set():
            status.assigned = sorted(f"{t}:{p}" for _, t, p in bus.assignment())
            status.write()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 0.1)
    finally:
        if relay is not None:
            await relay.stop()
        await bus.stop()
        await store.close()
        status.assigned = []
        status.write()


def main() -> None:
    configure_logging(env("NAME"), "WARNING", json=False)
    mode = sys.argv[1]
    if mode not in ("consume", "relay"):
        raise SystemExit("usage: worker.py consume|relay")

    async def serve() -> None:
        stopping = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
        await run(mode, stopping)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
