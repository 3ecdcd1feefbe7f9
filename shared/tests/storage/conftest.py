"""The storage contract runs once per backend: SQLite in a temp dir, and the MongoDB-wire server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.port import Collection, DocumentStore
from warmflow_shared.storage.sqlite import SqliteStore
from warmflow_shared.testing.servers import unique_name

BACKENDS = [pytest.param("sqlite"), pytest.param("mongodb", marks=pytest.mark.mongo)]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    if request.param == "sqlite":
        sqlite_store = SqliteStore(tmp_path / "service.sqlite")
        yield sqlite_store
        await sqlite_store.close()
        return
    url: str = request.getfixturevalue("mongodb_url")
    database = unique_name("storage")
    mongo_store = MongoStore(url, database)
    yield mongo_store
    await mongo_store.close()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    await client.drop_database(database)
    await client.close()


FERRETDB_RACES = (
    "FerretDB v1.24.2 is not atomic per document under concurrency: update and findAndModify "
    "read the matching docs, apply the change in Go, then rewrite them by _id only "
    "(backends/sqlite/collection.go UpdateAll), so racing writers lose updates and CAS/claims "
    "can succeed twice. MongoDB guarantees it."
)


@pytest.fixture
async def racy_on_ferretdb(store: DocumentStore, request: pytest.FixtureRequest) -> None:
    """Mark a concurrency test as a known FerretDB v1 failure; it still runs everywhere."""
    if isinstance(store, MongoStore):
        info = await store.client.admin.command("buildInfo")
        if "ferretdbVersion" in info:
            request.node.add_marker(pytest.mark.xfail(reason=FERRETDB_RACES, strict=False))


@pytest.fixture
def coll(store: DocumentStore) -> Collection:
    return store.collection(unique_name("things"))
