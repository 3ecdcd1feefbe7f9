"""FerretDB's write gate: conditional writes queue per collection, not per store."""

from __future__ import annotations

import asyncio

from pymongo import AsyncMongoClient
from warmflow_shared.storage.mongo import _WriteGate


async def _turns(gate: _WriteGate, collection: str, entered: list[str]) -> None:
    async with gate(collection):
        entered.append(collection)


async def test_a_write_to_one_collection_waits_only_for_that_collections_writes() -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        "mongodb://127.0.0.1:9/", connect=False
    )
    gate = _WriteGate(client, serialise=True)
    entered: list[str] = []
    async with gate("members"):
        same = asyncio.create_task(_turns(gate, "members", entered))
        other = asyncio.create_task(_turns(gate, "stats", entered))
        await asyncio.wait_for(other, timeout=10)  # not held up by the members' write
        for _ in range(5):  # let the waiting task run as far as it can
            await asyncio.sleep(0)
        assert entered == ["stats"] and not same.done()
    await asyncio.wait_for(same, timeout=10)
    assert entered == ["stats", "members"]
    await client.close()
