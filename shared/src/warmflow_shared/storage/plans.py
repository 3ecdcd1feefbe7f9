"""Which queries a service makes, and whether its store answers each one from an index.

``QueryLog.watching`` records the reads a service makes on chosen collections while a block
runs (``find``, ``count``, and the filters of ``find_one_and_update`` / ``update_many``), one
entry per distinct filter shape. ``scans`` then asks the store how it would answer each:
SQLite's ``EXPLAIN QUERY PLAN`` of the very statement the adapter runs, MongoDB's (or
FerretDB's) ``explain``. A query whose plan reads the whole collection — SQLite ``SCAN <table>``
without an index, MongoDB ``COLLSCAN``, FerretDB's PostgreSQL ``Seq Scan`` — is reported with its
plan, so a benchmark or a test can fail loudly naming the query and the index it lacks. FerretDB
v1 never reads through an index: it pushes only top-level equalities down to PostgreSQL, as
``_jsonb->$1 @> $2`` with the key a parameter, which no PostgreSQL index serves (even for
``_id``), and reads every document for anything else (``filterPushdown: false``). Its scans are
marked ``unindexable``, a limit of that server that no index lifts.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from warmflow_shared.storage import sqlquery
from warmflow_shared.storage.mongo import MongoCollection
from warmflow_shared.storage.port import Collection, IndexSpec
from warmflow_shared.storage.sqlite import SqliteCollection

_WATCHED = ("find", "count", "find_one_and_update", "update_many")


@dataclass(frozen=True)
class Query:
    collection: str
    op: str  # "find" or "count"
    where: Mapping[str, Any]
    sort: tuple[tuple[str, int], ...] = ()
    limit: int = 0
    hint: IndexSpec | None = None

    def describe(self) -> str:
        sort = f" sort={list(self.sort)}" if self.sort else ""
        hint = f" hint={self.hint.name}" if self.hint else ""
        return f"{self.collection}.{self.op}({orjson.dumps(self.where).decode()}){sort}{hint}"


@dataclass
class Scan:
    query: Query
    plan: list[str]
    # FerretDB v1 (its explain has ``filterPushdown``): no index serves any of its reads, pushed
    # down or not (module docstring) — a limit of that server, not a missing index
    unindexable: bool = False

    def __str__(self) -> str:
        why = " (FerretDB v1: no index serves it)" if self.unindexable else ""
        return f"{self.query.describe()}{why}\n    plan: {' | '.join(self.plan)}"


def _shape(value: Any) -> Any:
    """The filter with its values blanked: two calls differing only in values are one query."""
    if isinstance(value, Mapping):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_shape(v) for v in value[:1]]
    return "?"


@dataclass
class QueryLog:
    queries: dict[bytes, Query] = field(default_factory=dict)

    def add(self, query: Query) -> None:
        hint = query.hint.name if query.hint else None
        key = orjson.dumps(
            [query.collection, query.op, _shape(query.where), query.sort, hint],
            option=orjson.OPT_SORT_KEYS,
        )
        self.queries.setdefault(key, query)

    @contextmanager
    def watching(self, collections: Iterable[Collection]) -> Iterator[QueryLog]:
        patched: list[tuple[Collection, str]] = []
        for collection in collections:
            for method in _WATCHED:
                setattr(collection, method, self._recording(collection, method))
                patched.append((collection, method))
        try:
            yield self
        finally:
            for collection, method in patched:
                delattr(collection, method)

    def _recording(self, collection: Collection, method: str) -> Callable[..., Any]:
        original = getattr(collection, method)

        def record(*args: Any, **kwargs: Any) -> Any:
            where = dict((args[0] if args else kwargs.get("where")) or {})
            sort = tuple(tuple(s) for s in kwargs.get("sort", ()))
            op = "count" if method == "count" else "find"
            limit, hint = int(kwargs.get("limit", 0)), kwargs.get("hint")
            self.add(Query(collection.name, op, where, sort, limit, hint))
            return original(*args, **kwargs)

        return record


def sqlite_plan(path: str, query: Query) -> list[str]:
    """``EXPLAIN QUERY PLAN`` of the statement ``SqliteCollection`` runs for ``query``."""
    if query.op == "count":
        sql, params = sqlquery.count_sql(query.collection, query.where, query.limit)
    else:
        sql, params = sqlquery.select_sql(query.collection, query.where, query.sort, query.hint)
        params += [query.limit or -1, 0]
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return [str(row[3]) for row in rows]


def sqlite_scans_table(plan: list[str], collection: str) -> bool:
    """A plain ``SCAN <table>``: every row read (``SCAN … USING INDEX`` walks an index)."""
    return any(re.fullmatch(rf"SCAN {re.escape(collection)}", line) for line in plan)


async def mongo_plan(collection: MongoCollection, query: Query) -> dict[str, Any]:
    coll = collection._coll
    if query.op == "count":
        command: dict[str, Any] = {"count": coll.name, "query": dict(query.where)}
        if query.limit:
            command["limit"] = query.limit
    else:
        command = {"find": coll.name, "filter": dict(query.where)}
        if query.sort:
            command["sort"] = dict(query.sort)
        if query.limit:
            command["limit"] = query.limit
        if query.hint:
            command["hint"] = query.hint.name
    explained: dict[str, Any] = await coll.database.command(
        {"explain": command, "verbosity": "queryPlanner"}
    )
    return explained


def mongo_scans_collection(explained: Mapping[str, Any]) -> bool:
    """MongoDB: a ``COLLSCAN`` stage; FerretDB (PostgreSQL): a ``Seq Scan`` node."""
    text = orjson.dumps(explained.get("queryPlanner", explained)).decode()
    return "COLLSCAN" in text or '"Seq Scan"' in text


def _mongo_summary(explained: Mapping[str, Any]) -> list[str]:
    text = orjson.dumps(explained.get("queryPlanner", explained)).decode()
    found = re.findall(r'"(?:stage|Node Type|indexName|Index Name)":"([^"]+)"', text)
    flags = ("filterPushdown", "sortPushdown", "limitPushdown")
    extra = [f"{flag}={explained[flag]}" for flag in flags if flag in explained]
    return (found or [text[:300]]) + extra


async def scans(log: QueryLog, collections: Mapping[str, Collection]) -> list[Scan]:
    """The recorded queries whose plan reads the whole collection, with the plan."""
    found: list[Scan] = []
    for query in log.queries.values():
        collection = collections[query.collection]
        if isinstance(collection, SqliteCollection):
            plan = sqlite_plan(collection._store.path, query)
            if sqlite_scans_table(plan, query.collection):
                found.append(Scan(query, plan))
        elif isinstance(collection, MongoCollection):
            explained = await mongo_plan(collection, query)
            if mongo_scans_collection(explained):
                unindexable = "filterPushdown" in explained
                found.append(Scan(query, _mongo_summary(explained), unindexable))
    return found
