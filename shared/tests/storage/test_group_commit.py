"""Group commit: every caller's document is stored before it returns, in far fewer writes."""

from __future__ import annotations

import asyncio

import pytest
from warmflow_shared.storage.group_commit import GroupCommitInserter
from warmflow_shared.storage.port import Collection, DuplicateKeyError


async def test_concurrent_inserts_share_writes_and_are_stored_on_return(coll: Collection) -> None:
    inserter = GroupCommitInserter(coll, max_batch=16)

    async def insert(n: int) -> None:
        await inserter.insert({"_id": f"e{n}", "n": n})
        assert await coll.get(f"e{n}") is not None  # durable when the call returns

    await asyncio.gather(*(insert(n) for n in range(40)))

    assert await coll.count() == 40
    assert inserter.writes < 40


async def test_a_failed_batch_fails_its_callers_and_later_inserts_still_work(
    coll: Collection,
) -> None:
    inserter = GroupCommitInserter(coll)
    await coll.insert({"_id": "taken"})

    results = await asyncio.gather(
        inserter.insert({"_id": "taken"}),
        inserter.insert({"_id": "other"}),
        return_exceptions=True,
    )

    assert isinstance(results[0], DuplicateKeyError) or isinstance(results[1], DuplicateKeyError)
    await inserter.insert({"_id": "after"})
    assert await coll.get("after") is not None


@pytest.mark.parametrize("max_batch", [1, 3])
async def test_batches_never_exceed_the_limit(coll: Collection, max_batch: int) -> None:
    inserter = GroupCommitInserter(coll, max_batch=max_batch)
    await asyncio.gather(*(inserter.insert({"_id": f"x{n}"}) for n in range(7)))
    assert inserter.writes >= -(-7 // max_batch)
    assert await coll.count() == 7
