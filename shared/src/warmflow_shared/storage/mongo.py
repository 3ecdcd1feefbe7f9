"""The storage port on MongoDB (and FerretDB v1) through PyMongo's asyncio client.

Only single-document atomic operations are used: FerretDB v1 has no transactions.

FerretDB v1.24.2 (our test server) is not atomic per document under concurrency: it reads the
matching documents, applies the change in Go and rewrites them by ``_id`` alone, so two racing
conditional writes can both succeed. MongoDB guarantees the atomicity the design relies on. On
FerretDB the adapter serialises its conditional writes within the process, collection by
collection (two writes race only over one document, and a document lives in one collection),
which is what the test server needs to honour the port; it cannot help several processes (see
docs/storage.md).
Both FerretDB backends, SQLite and PostgreSQL, need it: each rewrites matched documents with
``UPDATE … WHERE _id = …`` after matching them in Go (shared/tests/storage/test_cross_process.py).

FerretDB v1 hands PostgreSQL only a filter's top-level scalar equalities; anything else —
``{_id: {$in: [...]}}`` among it — is matched in Go after fetching and decoding every document
of the collection (``explain``: ``filterPushdown: false``). So on FerretDB, ``get_many`` and
``update_many`` by a list of up to ``PER_ID_MAX`` ids go one ``_id`` equality per id (reads
gathered, writes as one bulk command per ``MAX_BULK``): PostgreSQL then skips every other row
itself, ~100x cheaper a row than FerretDB's decoding (docs/benchmarks.md, "Costs as the data
grows"). MongoDB answers ``$in`` on ``_id`` from its index: there the adapter sends it as is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient, InsertOne, ReplaceOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, OperationFailure

from warmflow_shared.storage.port import (
    Collection,
    Document,
    DocumentStore,
    DuplicateKeyError,
    Filter,
    IndexSpec,
    Sort,
    StorageError,
    Update,
    VersionConflict,
    present_fields,
    validate_fields,
    validate_filter,
)

DUPLICATE_KEY = 11000
# FerretDB v1.24.2 never answers an update command with 100 or more statements that modify
# existing documents (and the database stays stuck), so bulk writes go in chunks below that.
MAX_BULK = 99
# FerretDB v1 reports a unique index broken by an update (update, replace, findAndModify) as
# InternalError (code 1) carrying its backend's message, not as 11000 (inserts do get 11000):
# SQLite's "UNIQUE constraint failed", PostgreSQL's unique_violation "(SQLSTATE 23505)".
_FERRETDB_UNIQUE = ("UNIQUE constraint failed", "(SQLSTATE 23505)")
# Listed ids on FerretDB (module docstring): up to this many go one `_id` equality each, at most
# this many of the store's lookups at a time.
PER_ID_MAX = 100
PER_ID_CONCURRENCY = 8


def _is_duplicate(code: int | None, message: str) -> bool:
    return code == DUPLICATE_KEY or (code == 1 and any(m in message for m in _FERRETDB_UNIQUE))


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except BulkWriteError as error:
        write_errors = error.details.get("writeErrors", [])
        if any(_is_duplicate(e.get("code"), e.get("errmsg", "")) for e in write_errors):
            raise DuplicateKeyError(str(error)) from error
        raise StorageError(str(error)) from error
    except OperationFailure as error:
        if _is_duplicate(error.code, str(error)):
            raise DuplicateKeyError(str(error)) from error
        raise StorageError(str(error)) from error


def _with_version(doc: Document) -> Document:
    if not isinstance(doc.get("_id"), str):
        raise StorageError("a document needs a string _id")
    return doc if "version" in doc else {**doc, "version": 1}


def _filter(where: Filter | None) -> dict[str, Any]:
    validate_filter(where)
    return dict(where or {})


def _by_id(doc_id: str, where: Filter | None) -> dict[str, Any]:
    query = _filter(where)
    if "_id" in query:
        return {"$and": [{"_id": doc_id}, query]}
    return {"_id": doc_id, **query}


def _update_document(update: Update) -> dict[str, Any]:
    operators: dict[str, Any] = {
        "$set": dict(update.set or {}),
        "$unset": dict.fromkeys(update.unset, ""),
        "$inc": dict(update.inc or {}),
        "$push": {path: {"$each": list(items)} for path, items in (update.push or {}).items()},
    }
    return {op: fields for op, fields in operators.items() if fields}


def _versioned(update: Update, expected: int) -> dict[str, Any]:
    changes = _update_document(update)
    changes["$set"] = {**changes.get("$set", {}), "version": expected + 1}
    return changes


def _listed_ids(query: Mapping[str, Any]) -> list[str] | None:
    """The distinct ids of a filter ``{_id: {$in: [...]}, ...}``, else None."""
    by_id = query.get("_id")
    if not isinstance(by_id, Mapping) or list(by_id) != ["$in"]:
        return None
    listed = by_id["$in"]
    if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
        return None
    return list(dict.fromkeys(listed))


def _sort(sort: Sort) -> list[tuple[str, int]] | None:
    return [(field, direction) for field, direction in sort] or None


class _WriteGate:
    """Serialises conditional writes per collection when the server is FerretDB v1, else lets
    them run freely; also the store's knowledge of which server it talks to.

    One lock per collection, not per store: a lost update needs two writes to one document,
    and unique indexes are per collection too, so writes to different collections (the relay
    marking members, the statistics consumer, an import job's progress) need not queue on each
    other. ``serialise=None`` asks the server; False is for tests that race the server itself.
    """

    def __init__(self, client: AsyncMongoClient[Document], serialise: bool | None) -> None:
        self._client = client
        self._serialise = serialise
        self._ferretdb: bool | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        # bounds the store's lookups by id in flight on FerretDB (see ``by_each_id``)
        self.lookups = asyncio.Semaphore(PER_ID_CONCURRENCY)

    async def ferretdb(self) -> bool:
        """Whether the server is FerretDB (``buildInfo`` has ``ferretdbVersion``); asked once."""
        if self._ferretdb is None:
            info = await self._client.admin.command("buildInfo")
            self._ferretdb = "ferretdbVersion" in info
        return self._ferretdb

    async def by_each_id(self, ids: int) -> bool:
        """Whether ``ids`` listed ids are read or written one ``_id`` equality each: on FerretDB,
        for up to ``PER_ID_MAX`` of them (module docstring)."""
        return 0 < ids <= PER_ID_MAX and await self.ferretdb()

    @asynccontextmanager
    async def __call__(self, collection: str) -> AsyncIterator[None]:
        if self._serialise is None:
            self._serialise = await self.ferretdb()
        if not self._serialise:
            yield
            return
        async with self._locks.setdefault(collection, asyncio.Lock()):
            yield


class MongoStore(DocumentStore):
    def __init__(
        self,
        url: str,
        database: str,
        *,
        serialise_writes: bool | None = None,
        **client_options: Any,
    ) -> None:
        self.client: AsyncMongoClient[Document] = AsyncMongoClient(url, **client_options)
        self.database = self.client[database]
        self._gate = _WriteGate(self.client, serialise_writes)

    def collection(self, name: str) -> MongoCollection:
        return MongoCollection(self.database[name], self._gate)

    async def ping(self) -> None:
        await self.database.command("ping")

    async def close(self) -> None:
        await self.client.close()


class MongoCollection(Collection):
    def __init__(self, collection: AsyncCollection[Document], gate: _WriteGate) -> None:
        self.name = collection.name
        self._coll = collection
        self._gate = gate

    def sibling(self, name: str) -> MongoCollection:
        return MongoCollection(self._coll.database[name], self._gate)

    async def ensure_indexes(self, indexes: Sequence[IndexSpec]) -> None:
        for spec in indexes:
            keys = [(field, ASCENDING) for field in spec.fields]
            with _errors():
                await self._coll.create_index(keys, name=spec.name, unique=spec.unique)

    async def get(self, doc_id: str) -> Document | None:
        return await self._coll.find_one({"_id": doc_id})

    async def get_many(self, doc_ids: Sequence[str]) -> list[Document]:
        wanted = list(dict.fromkeys(doc_ids))
        if await self._gate.by_each_id(len(wanted)):
            each = await asyncio.gather(*(self._get_one(doc_id) for doc_id in wanted))
            return [doc for doc in each if doc is not None]
        found = {doc["_id"]: doc async for doc in self._coll.find({"_id": {"$in": wanted}})}
        return [found[doc_id] for doc_id in wanted if doc_id in found]

    async def _get_one(self, doc_id: str) -> Document | None:
        async with self._gate.lookups:
            return await self._coll.find_one({"_id": doc_id})

    async def insert(self, doc: Document) -> None:
        with _errors():
            await self._coll.insert_one(_with_version(doc))

    async def insert_many(self, docs: Sequence[Document]) -> None:
        if docs:
            with _errors():
                await self._coll.insert_many([_with_version(doc) for doc in docs])

    async def replace(self, doc: Document, *, expected_version: int) -> int:
        new_version = expected_version + 1
        query = {"_id": doc["_id"], "version": expected_version}
        async with self._gate(self.name):
            with _errors():
                result = await self._coll.replace_one(query, {**doc, "version": new_version})
        if result.matched_count != 1:
            raise VersionConflict(f"{self.name}/{doc['_id']} is not at version {expected_version}")
        return new_version

    async def replace_many(self, docs: Sequence[tuple[Document, int | None]]) -> set[str]:
        conflicts: set[str] = set()
        for start in range(0, len(docs), MAX_BULK):
            conflicts |= await self._replace_chunk(docs[start : start + MAX_BULK])
        return conflicts

    async def _replace_chunk(self, docs: Sequence[tuple[Document, int | None]]) -> set[str]:
        ops: list[InsertOne[Document] | ReplaceOne[Document]] = []
        written: dict[str, Document] = {}
        for doc, expected in docs:
            if expected is None:
                new = _with_version(doc)
                ops.append(InsertOne(new))
            else:
                new = {**doc, "version": expected + 1}
                ops.append(ReplaceOne({"_id": doc["_id"], "version": expected}, new))
                written[doc["_id"]] = new
        result: Mapping[str, Any]
        async with self._gate(self.name):
            try:
                result = (await self._coll.bulk_write(ops, ordered=False)).bulk_api_result
            except BulkWriteError as error:
                result = error.details
        return await self._conflicts(docs, result, written)

    async def _conflicts(
        self,
        docs: Sequence[tuple[Document, int | None]],
        result: Mapping[str, Any],
        written: dict[str, Document],
    ) -> set[str]:
        failed_inserts = set()
        for error in result.get("writeErrors", []):
            doc, expected = docs[error["index"]]
            message = error.get("errmsg", "")
            if _is_duplicate(error.get("code"), message) and expected is not None:
                raise DuplicateKeyError(message)
            if error.get("code") != DUPLICATE_KEY or expected is not None:
                raise StorageError(message)
            failed_inserts.add(doc["_id"])
        taken: set[str] = set()
        if failed_inserts:
            taken = {doc["_id"] for doc in await self.get_many(list(failed_inserts))}
        if taken != failed_inserts:
            raise DuplicateKeyError(f"unique index violated by {sorted(failed_inserts - taken)}")
        if result.get("nMatched", 0) == len(written):
            return taken
        # A stored doc with the new version may come from a rival writer, so compare contents.
        stored = {doc["_id"]: doc for doc in await self.get_many(list(written))}
        return taken | {doc_id for doc_id, new in written.items() if stored.get(doc_id) != new}

    async def update_each(self, updates: Sequence[tuple[str, int, Update]]) -> set[str]:
        unsure: set[str] = set()
        for start in range(0, len(updates), MAX_BULK):
            chunk = updates[start : start + MAX_BULK]
            ops = [
                UpdateOne({"_id": doc_id, "version": expected}, _versioned(update, expected))
                for doc_id, expected, update in chunk
            ]
            async with self._gate(self.name):
                with _errors():
                    result = await self._coll.bulk_write(ops, ordered=False)
            if result.matched_count != len(ops):
                unsure |= {doc_id for doc_id, _, _ in chunk}
        return unsure

    async def update(self, doc_id: str, update: Update, *, where: Filter | None = None) -> bool:
        query = _by_id(doc_id, where)
        changes = _update_document(update)
        if not changes:
            return await self._coll.count_documents(query, limit=1) > 0
        async with self._gate(self.name):
            with _errors():
                result = await self._coll.update_one(query, changes)
        return result.matched_count > 0

    async def update_many(self, where: Filter, update: Update) -> int:
        query = _filter(where)
        changes = _update_document(update)
        if not changes:
            return await self._coll.count_documents(query)
        ids = _listed_ids(query)
        if ids is not None and await self._gate.by_each_id(len(ids)):
            return await self._update_each_id(ids, query, changes)
        async with self._gate(self.name):
            with _errors():
                result = await self._coll.update_many(query, changes)
        return result.matched_count

    async def _update_each_id(
        self, ids: list[str], query: dict[str, Any], changes: dict[str, Any]
    ) -> int:
        """``update_many`` of listed ids as one ``UpdateOne`` per id (the rest of the filter
        kept), ≤ ``MAX_BULK`` a command."""
        rest = {key: value for key, value in query.items() if key != "_id"}
        matched = 0
        async with self._gate(self.name):
            for start in range(0, len(ids), MAX_BULK):
                chunk = ids[start : start + MAX_BULK]
                ops = [UpdateOne({**rest, "_id": doc_id}, changes) for doc_id in chunk]
                with _errors():
                    matched += (await self._coll.bulk_write(ops, ordered=False)).matched_count
        return matched

    async def find_one_and_update(
        self, where: Filter, update: Update, *, sort: Sort = ()
    ) -> Document | None:
        query = _filter(where)
        changes = _update_document(update)
        if not changes:
            return await self._coll.find_one(query, sort=_sort(sort))
        async with self._gate(self.name):
            with _errors():
                return await self._coll.find_one_and_update(
                    query, changes, sort=_sort(sort), return_document=ReturnDocument.AFTER
                )

    async def find(
        self,
        where: Filter | None = None,
        *,
        sort: Sort = (),
        skip: int = 0,
        limit: int = 0,
        hint: IndexSpec | None = None,
        fields: Sequence[str] = (),
    ) -> list[Document]:
        validate_fields(fields)
        projection = dict.fromkeys(fields, 1) if fields else None
        cursor = self._coll.find(
            _filter(where), projection, sort=_sort(sort), skip=skip, limit=limit
        )
        if hint is not None:
            cursor = cursor.hint(hint.name)
        return present_fields(await cursor.to_list(None), fields)

    async def count(self, where: Filter | None = None, *, limit: int = 0) -> int:
        if limit:
            return await self._coll.count_documents(_filter(where), limit=limit)
        return await self._coll.count_documents(_filter(where))

    async def delete(self, doc_id: str) -> bool:
        result = await self._coll.delete_one({"_id": doc_id})
        return result.deleted_count > 0

    async def narrows_by_equality_only(self) -> bool:
        return await self._gate.ferretdb()  # MongoDB reads through its indexes
