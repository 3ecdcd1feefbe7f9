"""The port's filters and sorts as SQLite SQL over three JSON columns; updates applied in Python.

A document is stored split in three columns of one row: ``doc`` holds ``_id``, ``version`` and
every other field, ``outbox`` the outbox's entries (``_outbox``, the events' envelopes) and
``meta`` the other top-level fields whose names start with ``_`` (the outbox's and the
deadlines' bookkeeping, ``bookkeeping``). A write that changes only bookkeeping — the outbox
relay marking events sent, a deadline lease — rewrites ``meta`` (and ``outbox``) alone, and
SQLite then re-evaluates only the expression indexes on ``meta``, not those on the aggregate's
own fields (an update re-evaluates an expression index only when a column it reads is
assigned). The envelopes have a column of their own because SQLite (3.40) parses a JSON text
whole at every ``json_extract``: the relay's filters and ``meta``'s indexes read small
bookkeeping, not ~1 KB of envelopes each time. One row: state and outbox are still written
atomically, by one statement.

Every comparison is guarded by ``json_type`` so that, as in MongoDB, values only compare within
their type bracket (``1`` never equals ``true`` or ``"1"``), and a missing field behaves like
``null``. JSON paths are SQL literals, never parameters: SQLite only uses an expression index
when the query spells the very same expression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from warmflow_shared.storage.port import (
    Document,
    Filter,
    IndexSpec,
    Sort,
    StorageError,
    UnsupportedQuery,
    Update,
    validate_fields,
    validate_filter,
)

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RANGE = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_NULL_CASES = {"$eq": "{v} IS NULL", "$ne": "{v} IS NOT NULL", "$gte": "{v} IS NULL"}
_NULL_CASES["$lte"] = _NULL_CASES["$gte"]


# The row's JSON columns, in the order ``split`` gives them and reads select them.
COLUMNS = ("doc", "meta", "outbox")
OUTBOX = "_outbox"  # the one field of the ``outbox`` column


def bookkeeping(key: str) -> bool:
    """Whether a top-level field lives outside the ``doc`` column (``meta`` or ``outbox``)."""
    return key[:1] == "_" and key != "_id"


def column_of(key: str) -> str:
    """The column that holds the top-level field ``key``."""
    if key == OUTBOX:
        return "outbox"
    return "meta" if bookkeeping(key) else "doc"


def bookkeeping_only(update: Update) -> bool:
    """Whether ``update`` changes ``meta`` fields only (each path's top-level field)."""
    paths = [*(update.set or {}), *update.unset, *(update.inc or {}), *(update.push or {})]
    return bool(paths) and all(bookkeeping(path.split(".", 1)[0]) for path in paths)


def split(doc: Document) -> tuple[str, str, str]:
    """The document's ``doc``, ``meta`` and ``outbox`` column texts."""
    body: Document = {}
    meta: Document = {}
    outbox = "{}"
    for key, value in doc.items():
        if key[:1] != "_" or key == "_id":
            body[key] = value
        elif key == OUTBOX:
            outbox = orjson.dumps({OUTBOX: value}).decode()
        else:
            meta[key] = value
    return orjson.dumps(body).decode(), orjson.dumps(meta).decode(), outbox


def joined(row: Sequence[Any]) -> Document:
    """The document of a ``(doc, meta, outbox)`` row."""
    doc: Document = orjson.loads(row[0])
    if row[1] != "{}":
        doc.update(orjson.loads(row[1]))
    if row[2] != "{}":
        doc.update(orjson.loads(row[2]))
    return doc


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Statements:
    """One collection's fixed SQL, spelled once so that sqlite3's statement cache reuses it."""

    table: str
    create: str
    get: str
    get_many: str
    versions: str
    insert: str
    write: str
    cas: str
    delete: str

    @classmethod
    def of(cls, name: str) -> Statements:
        table = ident(name)
        listed = "id IN (SELECT value FROM json_each(?))"
        write = f"UPDATE {table} SET doc = ?, meta = ?, outbox = ? WHERE id = ?"
        return cls(
            table=table,
            create=f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
            "meta TEXT NOT NULL DEFAULT '{}', outbox TEXT NOT NULL DEFAULT '{}')",
            get=f"SELECT doc, meta, outbox FROM {table} WHERE id = ?",
            get_many=f"SELECT doc, meta, outbox FROM {table} WHERE {listed}",
            versions=f"SELECT id, json_extract(doc, '$.version') FROM {table} WHERE {listed}",
            insert=f"INSERT INTO {table} (id, doc, meta, outbox) VALUES (?, ?, ?, ?)",
            write=write,
            cas=f"{write} AND json_extract(doc, '$.version') = ?",
            delete=f"DELETE FROM {table} WHERE id = ?",
        )


@lru_cache(maxsize=4096)
def operands(field: str) -> tuple[str, str]:
    """The SQL for the field's value and for its JSON type (NULL when missing)."""
    if field == "_id":
        return "id", "'text'"
    parts = []
    for part in field.split("."):
        if not part or '"' in part or part.startswith("$"):
            raise UnsupportedQuery(f"field name {field!r} is not supported")
        parts.append(part if _PLAIN.match(part) else f'"{part}"')
    path = "'$." + ".".join(parts).replace("'", "''") + "'"
    column = column_of(field.split(".", 1)[0])
    return f"json_extract({column}, {path})", f"json_type({column}, {path})"


def _bracket(value: Any) -> str:
    if isinstance(value, bool):
        return "('true', 'false')"
    if isinstance(value, int | float):
        return "('integer', 'real')"
    if isinstance(value, str):
        return "('text')"
    raise UnsupportedQuery(f"comparing with a {type(value).__name__} is not supported")


def _any_of(field: str, values: Sequence[Any], params: list[Any]) -> str:
    value, kind = operands(field)
    parts = [f"{value} IS NULL"] if any(v is None for v in values) else []
    groups: dict[str, list[Any]] = {}
    for item in values:
        if item is not None:
            groups.setdefault(_bracket(item), []).append(item)
    for bracket, items in groups.items():
        params.extend(items)
        parts.append(f"({value} IN ({', '.join('?' * len(items))}) AND {kind} IN {bracket})")
    return "(" + (" OR ".join(parts) or "0") + ")"


def _condition(field: str, op: str, operand: Any, params: list[Any]) -> str:
    value, kind = operands(field)
    if op == "$exists":
        return f"{kind} IS {'NOT ' if operand else ''}NULL"
    if op in ("$in", "$nin"):
        sql = _any_of(field, operand, params)
        return sql if op == "$in" else f"{sql} IS NOT 1"
    if operand is None:
        return _NULL_CASES.get(op, "0").format(v=value)
    bracket = _bracket(operand)
    params.append(operand)
    # the value first: a row whose value does not compare true is done with one JSON lookup
    # (AND is commutative in SQL's three-valued logic, so the order changes no result)
    if op == "$ne":
        return f"({value} = ? AND {kind} IN {bracket}) IS NOT 1"
    return f"({value} {_RANGE.get(op, '=')} ? AND {kind} IN {bracket})"


def compile_filter(where: Filter | None) -> tuple[str, list[Any]]:
    """A WHERE expression (``1`` when empty) and its parameters."""
    validate_filter(where)
    params: list[Any] = []
    return _clauses(where or {}, params), params


def _clauses(where: Filter, params: list[Any]) -> str:
    clauses: list[str] = []
    for field, condition in where.items():
        if field in ("$or", "$and"):
            joiner = " OR " if field == "$or" else " AND "
            clauses.append("(" + joiner.join(_clauses(part, params) for part in condition) + ")")
        elif isinstance(condition, Mapping) and any(str(k).startswith("$") for k in condition):
            for op, operand in condition.items():
                clauses.append(_condition(field, op, operand, params))
        else:
            clauses.append(_condition(field, "$eq", condition, params))
    return " AND ".join(clauses) or "1"


def compile_sort(sort: Sort) -> str:
    keys = []
    for field, direction in sort:
        if direction not in (1, -1):
            raise UnsupportedQuery(f"sort direction {direction!r} is not 1 or -1")
        keys.append(f"{operands(field)[0]} {'ASC' if direction == 1 else 'DESC'}")
    return " ORDER BY " + ", ".join(keys) if keys else ""


def index_name(collection: str, spec: IndexSpec) -> str:
    return ident(f"{collection}__{spec.name}")


def select_sql(
    collection: str,
    where: Filter | None,
    sort: Sort = (),
    hint: IndexSpec | None = None,
    fields: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """``find``'s statement (its last two parameters, LIMIT and OFFSET, are the caller's)."""
    clause, params = compile_filter(where)
    table = ident(collection)
    if hint is not None:  # SQLite walks that index (an error if it cannot serve the query)
        table += f" INDEXED BY {index_name(collection, hint)}"
    column = projection(fields) if fields else "doc, meta, outbox"
    return (
        f"SELECT {column} FROM {table} WHERE {clause}{compile_sort(sort)} LIMIT ? OFFSET ?",
        params,
    )


def projection(fields: Sequence[str]) -> str:
    """Only ``_id`` and the given top-level fields, built by SQLite (the rest is never parsed
    in Python); a missing field comes out null (``find`` leaves nulls out)."""
    validate_fields(fields)
    pairs = "".join(f", '{field}', {column_of(field)} -> '$.\"{field}\"'" for field in fields)
    return f"json_object('_id', id{pairs})"


def count_sql(collection: str, where: Filter | None, limit: int = 0) -> tuple[str, list[Any]]:
    clause, params = compile_filter(where)
    table = ident(collection)
    if limit:  # a capped count stops reading at ``limit`` matches
        capped = f"SELECT 1 FROM {table} WHERE {clause} LIMIT {int(limit)}"
        return f"SELECT COUNT(*) FROM ({capped})", params
    return f"SELECT COUNT(*) FROM {table} WHERE {clause}", params


def create_index(collection: str, spec: IndexSpec) -> str:
    """An expression index on ``json_extract`` that the compiled filters and sorts can use."""
    columns = ", ".join(operands(field)[0] for field in spec.fields)
    name = index_name(collection, spec)
    unique = "UNIQUE " if spec.unique else ""
    return f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {ident(collection)} ({columns})"


def _parent(doc: Document, path: str, *, create: bool) -> tuple[dict[str, Any] | None, str]:
    *head, last = path.split(".")
    if path == "_id" or (head and head[0] == "_id"):
        raise StorageError("_id cannot be updated")
    node: Any = doc
    for key in head:
        if not isinstance(node, dict):
            break
        if key not in node and create:
            node[key] = {}
        node = node.get(key)
    if isinstance(node, dict):
        return node, last
    if create:
        raise StorageError(f"cannot create field {path!r}: a parent is not a document")
    return None, last


def apply_update(doc: Document, update: Update) -> Document:
    """Apply ``update`` in place as MongoDB would ($set, $unset, $inc, $push with $each)."""
    for path, new in (update.set or {}).items():
        node, key = _parent(doc, path, create=True)
        assert node is not None
        node[key] = new
    for path in update.unset:
        node, key = _parent(doc, path, create=False)
        if node is not None:
            node.pop(key, None)
    for path, amount in (update.inc or {}).items():
        node, key = _parent(doc, path, create=True)
        assert node is not None
        current = node.get(key, 0)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise StorageError(f"cannot $inc the non-numeric field {path!r}")
        node[key] = current + amount
    for path, items in (update.push or {}).items():
        node, key = _parent(doc, path, create=True)
        assert node is not None
        current = node.setdefault(key, [])
        if not isinstance(current, list):
            raise StorageError(f"cannot $push to the non-array field {path!r}")
        current.extend(items)
    return doc


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def compile_set_only(update: Update) -> tuple[str, list[str]] | None:
    """``doc = json_remove(json_set(doc, '$."k"', json(?), …), '$."u"', …)`` (and the same for
    ``meta``, each column assigned only when the update touches it; ``outbox``, which holds
    ``_outbox`` alone, is assigned its new text whole) for an update that only sets and unsets
    top-level keys (the relay's lease and marks), so SQLite rewrites the JSON without a round
    trip through Python — and a bookkeeping-only update leaves ``doc`` and its indexes alone."""
    if update.inc or update.push or not (update.set or update.unset):
        return None
    keys = [*(update.set or {}), *update.unset]
    if len(set(keys)) != len(keys) or not all(_PLAIN_KEY.match(k) and k != "_id" for k in keys):
        return None
    assignments, values = [], []
    for column in COLUMNS:
        sets = {k: v for k, v in (update.set or {}).items() if column_of(k) == column}
        unsets = [k for k in update.unset if column_of(k) == column]
        if column == "outbox" and (sets or unsets):
            assignments.append("outbox = ?")
            values.append(orjson.dumps(sets).decode())  # {} when unset: the column's default
            continue
        if not (sets or unsets):
            continue
        expression = column
        if sets:
            paths = ", ".join(f"'$.\"{key}\"', json(?)" for key in sets)
            values += [orjson.dumps(value).decode() for value in sets.values()]
            expression = f"json_set({column}, {paths})"
        if unsets:
            removed = ", ".join(f"'$.\"{key}\"'" for key in unsets)
            expression = f"json_remove({expression}, {removed})"
        assignments.append(f"{column} = {expression}")
    return ", ".join(assignments), values
