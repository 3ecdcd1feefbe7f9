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


@pytest.fixture
async def racy_on_ferretdb(store: DocumentStore) -> None:
    """Marks a concurrency test. FerretDB v1 alone loses racing updates (its update path reads,
    changes in Go and rewrites by _id); MongoStore serialises conditional writes when it talks
    to FerretDB, so these tests hold on every backend we run."""


@pytest.fixture
def coll(store: DocumentStore) -> Collection:
    return store.collection(unique_name("things"))
