"""What `MongoCollection` sends for listed ids: one `_id` equality per id on FerretDB (which
hands PostgreSQL nothing else, so `$in` decodes every document), one `$in` on MongoDB (which
answers it from the `_id` index). The results are the contract suite's business."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import monitoring
from warmflow_shared.storage.mongo import MongoStore, _listed_ids
from warmflow_shared.storage.port import Update
from warmflow_shared.testing.servers import unique_name


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("find", "update"):
            self.sent.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def watched(mongodb_url: str) -> AsyncIterator[tuple[MongoStore, _Commands, bool]]:
    commands = _Commands()
    database = unique_name("lookups")
    store = MongoStore(mongodb_url, database, event_listeners=[commands])
    info = await store.client.admin.command("buildInfo")
    yield store, commands, "ferretdbVersion" in info
    await store.client.drop_database(database)
    await store.close()


def _filters(commands: _Commands, name: str) -> list[dict[str, Any]]:
    if name == "find":
        return [command["filter"] for kind, command in commands.sent if kind == name]
    return [s["q"] for kind, command in commands.sent if kind == name for s in command["updates"]]


@pytest.mark.mongo
async def test_listed_ids_go_one_by_one_on_ferretdb_and_as_one_in_on_mongodb(
    watched: tuple[MongoStore, _Commands, bool],
) -> None:
    store, commands, ferretdb = watched
    coll = store.collection("things")
    await coll.insert_many([{"_id": f"d{i}", "n": i} for i in range(5)])
    commands.sent.clear()

    assert [doc["_id"] for doc in await coll.get_many(["d3", "d1", "d3"])] == ["d3", "d1"]
    assert await coll.update_many({"_id": {"$in": ["d1", "d2"]}, "n": 1}, Update(inc={"n": 1})) == 1

    reads, writes = _filters(commands, "find"), _filters(commands, "update")
    if ferretdb:
        assert sorted(f["_id"] for f in reads) == ["d1", "d3"]
        assert writes == [{"n": 1, "_id": "d1"}, {"n": 1, "_id": "d2"}]
    else:
        assert reads == [{"_id": {"$in": ["d3", "d1"]}}]
        assert writes == [{"_id": {"$in": ["d1", "d2"]}, "n": 1}]


@pytest.mark.mongo
async def test_more_than_a_hundred_ids_are_one_in_on_every_server(
    watched: tuple[MongoStore, _Commands, bool],
) -> None:
    store, commands, _ = watched
    ids = [f"d{i}" for i in range(101)]

    assert await store.collection("things").get_many(ids) == []

    assert _filters(commands, "find") == [{"_id": {"$in": ids}}]


def test_only_a_filter_on_a_list_of_string_ids_counts_as_listed() -> None:
    assert _listed_ids({"_id": {"$in": ["a", "b", "a"]}, "n": 1}) == ["a", "b"]
    assert _listed_ids({"_id": {"$in": ["a"], "$ne": "b"}}) is None
    assert _listed_ids({"_id": {"$nin": ["a"]}}) is None
    assert _listed_ids({"_id": {"$in": [1, "a"]}}) is None
    assert _listed_ids({"_id": "a"}) is None
    assert _listed_ids({"n": {"$in": ["a"]}}) is None
