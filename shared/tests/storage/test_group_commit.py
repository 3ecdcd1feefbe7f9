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


async def test_a_write_waits_for_the_documents_announced_before_it_and_stores_them_together(
    coll: Collection,
) -> None:
    """Concurrent reads announce their audit entries before they read: the write that is due
    takes the entries of the reads still under way with it (one write, not one per read), and
    each caller still returns only once its own document is stored."""
    inserter = GroupCommitInserter(coll, max_wait=60)
    reading = asyncio.Event()  # the announced callers' "reads" are under way until it is set

    async def caller(n: int, *, reads_first: bool) -> None:
        with inserter.expecting():
            if reads_first:
                await reading.wait()
            await inserter.insert({"_id": f"r{n}", "n": n})
            assert await coll.get(f"r{n}") is not None  # stored when the call returns

    first = asyncio.ensure_future(caller(0, reads_first=False))
    others = [asyncio.ensure_future(caller(n, reads_first=True)) for n in (1, 2)]
    await asyncio.sleep(0)  # every caller has announced; the first has inserted
    assert not first.done()  # its write waits for the two reads under way
    reading.set()
    await asyncio.wait_for(asyncio.gather(first, *others), 30)

    assert inserter.writes == 1
    assert await coll.count() == 3


async def test_a_caller_alone_or_alone_with_its_own_announcement_is_written_at_once(
    coll: Collection,
) -> None:
    inserter = GroupCommitInserter(coll, max_wait=60)  # a wait would fail the bound below
    await asyncio.wait_for(inserter.insert({"_id": "plain"}), 30)
    with inserter.expecting():
        await asyncio.wait_for(inserter.insert({"_id": "announced"}), 30)
    assert await coll.count() == 2
    assert inserter.writes == 2


async def test_an_announcement_that_ends_without_a_document_releases_the_waiting_write(
    coll: Collection,
) -> None:
    """A refused read announced an entry and records none: the write waiting for it goes as
    soon as that read ends, not after ``max_wait``."""
    inserter = GroupCommitInserter(coll, max_wait=60)
    refuse = asyncio.Event()

    async def refused_read() -> None:
        with inserter.expecting():
            await refuse.wait()
            raise PermissionError("out of scope")

    read = asyncio.ensure_future(refused_read())
    await asyncio.sleep(0)  # announced
    write = asyncio.ensure_future(inserter.insert({"_id": "other"}))
    await asyncio.sleep(0)
    assert not write.done()
    refuse.set()
    await asyncio.wait_for(write, 30)
    with pytest.raises(PermissionError):
        await read
    assert await coll.get("other") is not None


async def test_no_write_waits_longer_than_max_wait_for_an_announced_document(
    coll: Collection,
) -> None:
    inserter = GroupCommitInserter(coll, max_wait=0.05)
    slow = asyncio.Event()

    async def slow_read() -> None:
        with inserter.expecting():
            await slow.wait()
            await inserter.insert({"_id": "slow"})

    read = asyncio.ensure_future(slow_read())
    await asyncio.sleep(0)
    # the slow read is still under way when the other caller's document is stored
    await asyncio.wait_for(inserter.insert({"_id": "quick"}), 30)
    assert not read.done()
    assert await coll.get("quick") is not None
    slow.set()
    await asyncio.wait_for(read, 30)
    assert inserter.writes == 2
