"""《流动党员活动证》 numbers ``<committee code>-<year>-<sequence>``: unique per committee, year.

One counter aggregate per (committee, year), advanced by compare-and-set on its version. A
number taken by a registration that then fails is skipped, never reused: gaps are allowed,
duplicates are not.
"""

from __future__ import annotations

from warmflow_shared.outbox.change import retry_on_conflict

from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer.context import Registry


async def next_card_number(registry: Registry, committee: Organisation, year: int) -> str:
    counter_id = f"{committee.id}-{year}"
    store = registry.stores.counters

    async def take() -> int:
        loaded = await store.load(counter_id)
        last = int(loaded.state["last"]) if loaded else 0
        await store.save(counter_id, {"last": last + 1}, expected=loaded)
        return last + 1

    sequence = await retry_on_conflict(take)
    return f"{committee.code}-{year}-{sequence:05d}"
