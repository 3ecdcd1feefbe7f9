"""A redelivered event changes a learning aggregate once, also when it was applied by another
process between this one's read and its write (at-least-once delivery, exactly-once effect)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from warmflow_shared.events.catalog.learning import CertificateRevoked
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.change import change_model
from warmflow_shared.storage.factory import open_store


class Tally(BaseModel):
    id: str
    count: int = 0


async def test_the_same_event_twice_changes_the_aggregate_once(tmp_path: Path) -> None:
    documents = open_store("sqlite", service="learning", sqlite_dir=tmp_path)
    store = AggregateStore(documents.collection("tallies"), producer="learning")
    await store.ensure_indexes()
    await store.save("t-1", {"id": "t-1", "count": 0}, expected=None)
    event = CertificateRevoked(
        certificate_id="c-1", enrolment_id="e-1", member_id="m-1", class_id="k-1", reason="出勤不足"
    ).to_envelope(subject="c-1", producer="learning")

    def bump(tally: Tally) -> list[object]:
        tally.count += 1
        return []

    for _ in range(2):
        await change_model(store, Tally, "t-1", "计数", bump, caused_by=event)  # type: ignore[arg-type]
    loaded = await store.load("t-1")
    assert loaded is not None and loaded.state["count"] == 1
    await documents.close()
