"""The storage port: a narrow document store that both MongoDB (and FerretDB v1) and SQLite honour.

Documents are JSON-compatible dicts (str, int, float, bool, None, list, dict) with a string
``_id`` and an integer ``version`` used for optimistic concurrency. Timestamps are stored as
fixed-width strings (``warmflow_shared.timefmt.format_ts``) so that range queries and sorts
behave the same in both stores.

Filters are a subset of MongoDB's: ``{"field": value}`` (equality),
``{"field": {"$eq"|"$ne"|"$gt"|"$gte"|"$lt"|"$lte": value}}``, ``{"field": {"$in"|"$nin": [...]}}``,
``{"field": {"$exists": bool}}``; several fields are ANDed. Dotted paths reach into sub-documents.
Top-level ``{"$or": [filter, ...]}`` and ``{"$and": [filter, ...]}`` combine whole filters (each a
non-empty list), so one query answers a union of scopes — a caller never needs to split a query.
Equality on array fields is not part of the port (the two stores disagree on it).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]
Filter = Mapping[str, Any]
Sort = Sequence[tuple[str, int]]

OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists"})
LOGICAL = frozenset({"$or", "$and"})
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class StorageError(Exception):
    """Base class of the errors the port raises."""


class DuplicateKeyError(StorageError):
    """An insert or update would break the ``_id`` or a declared unique index."""


class VersionConflict(StorageError):
    """The document's stored version is not the one the caller read (or it vanished)."""


class UnsupportedQuery(StorageError):
    """The filter uses something outside the port's subset."""


@dataclass(frozen=True)
class IndexSpec:
    fields: tuple[str, ...]
    unique: bool = False

    @property
    def name(self) -> str:
        suffix = "_uniq" if self.unique else ""
        return "ix_" + "__".join(field.replace(".", "_") for field in self.fields) + suffix


@dataclass(frozen=True)
class Update:
    """A single-document update: applied atomically, or not at all."""

    set: Mapping[str, Any] | None = None
    unset: Sequence[str] = ()
    inc: Mapping[str, int | float] | None = None
    push: Mapping[str, Sequence[Any]] | None = None


class Collection(ABC):
    name: str

    @abstractmethod
    def sibling(self, name: str) -> Collection:
        """Another collection of the same store (e.g. the outbox relay's lock documents)."""

    @abstractmethod
    async def ensure_indexes(self, indexes: Sequence[IndexSpec]) -> None: ...

    @abstractmethod
    async def get(self, doc_id: str) -> Document | None: ...

    @abstractmethod
    async def get_many(self, doc_ids: Sequence[str]) -> list[Document]: ...

    @abstractmethod
    async def insert(self, doc: Document) -> None:
        """Store a new document; ``version`` defaults to 1. Raises DuplicateKeyError."""

    @abstractmethod
    async def insert_many(self, docs: Sequence[Document]) -> None:
        """Store new documents in one round trip; raises DuplicateKeyError if any clashes."""

    @abstractmethod
    async def replace(self, doc: Document, *, expected_version: int) -> int:
        """Replace the document whose version is ``expected_version``; return the new version.

        The new version is ``expected_version + 1``. Raises VersionConflict otherwise.
        """

    @abstractmethod
    async def replace_many(self, docs: Sequence[tuple[Document, int | None]]) -> set[str]:
        """Replace (expected version given) or insert (None) many documents in one round trip.

        Returns the ids that conflicted (version moved on, or the insert found the id taken);
        every other document was written.
        """

    @abstractmethod
    async def update_each(self, updates: Sequence[tuple[str, int, Update]]) -> set[str]:
        """Apply to each (id, expected version, update) its update and ``version + 1``, if the
        document is still at that version, in one round trip (per ~100 documents).

        Returns the ids that may not have been written: every id whose version had moved on (or
        that is missing), and, when the store cannot tell which statement of a round trip
        matched (MongoDB's bulk result only counts them), every id of that round trip — so a
        caller re-reads those and decides again; what is not returned was written.
        """

    @abstractmethod
    async def update(self, doc_id: str, update: Update, *, where: Filter | None = None) -> bool:
        """Apply ``update`` to the document if it exists and also matches ``where``."""

    @abstractmethod
    async def update_many(self, where: Filter, update: Update) -> int:
        """Apply ``update`` to every matching document; each document's change is atomic.

        Returns how many matched. Not atomic across documents: use it where each document's
        own condition (in ``where``) is what matters, e.g. taking leases.
        """

    @abstractmethod
    async def find_one_and_update(
        self, where: Filter, update: Update, *, sort: Sort = ()
    ) -> Document | None:
        """Atomically update the first matching document and return it as it is afterwards."""

    @abstractmethod
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
        """Matching documents in ``sort`` order; ``hint`` makes the store walk that index
        (one of the collection's ``ensure_indexes``), e.g. the sort's own index when a page
        of a broad filter is cheaper read in order than gathered and sorted. ``fields`` (plain
        top-level names) reads only ``_id`` and those fields of each document; a field that is
        missing or null is left out (read it with ``.get``)."""

    @abstractmethod
    async def count(self, where: Filter | None = None, *, limit: int = 0) -> int:
        """How many documents match; with ``limit``, at most that many (reads stop there)."""

    @abstractmethod
    async def delete(self, doc_id: str) -> bool: ...

    async def narrows_by_equality_only(self) -> bool:
        """Whether the store narrows a read by its filter's top-level equalities only (FerretDB
        v1: every other condition, the sort and the limit are applied in Go to each document
        those equalities leave), so a caller that can split a read into reads by one more
        equality (e.g. the outbox relay, slot by slot) reads less."""
        return False


class DocumentStore(ABC):
    """One service's database."""

    @abstractmethod
    def collection(self, name: str) -> Collection: ...

    @abstractmethod
    async def ping(self) -> None:
        """Raise if the store cannot be reached."""

    @abstractmethod
    async def close(self) -> None: ...


def validate_filter(where: Filter | None) -> None:
    """Refuse what lies outside the port's subset, whichever store is behind it."""
    for field, condition in (where or {}).items():
        if field in LOGICAL:
            if not isinstance(condition, list | tuple) or not condition:
                raise UnsupportedQuery(f"{field} needs a non-empty list of filters")
            for part in condition:
                if not isinstance(part, Mapping):
                    raise UnsupportedQuery(f"{field} needs a list of filters")
                validate_filter(part)
            continue
        if field.startswith("$"):
            raise UnsupportedQuery(f"top-level operator {field} is not supported")
        if isinstance(condition, Mapping) and any(str(k).startswith("$") for k in condition):
            unknown = set(condition) - OPERATORS
            if unknown:
                raise UnsupportedQuery(f"operators {sorted(unknown)} are not supported")
            for op in ("$in", "$nin"):
                if op in condition and not isinstance(condition[op], list | tuple):
                    raise UnsupportedQuery(f"{op} needs a list")


def present_fields(docs: list[Document], fields: Sequence[str]) -> list[Document]:
    """``find``'s answer with ``fields``: a null field left out, as for a missing one, so both
    stores answer alike (MongoDB returns a stored null, SQLite's JSON object does not)."""
    if not fields:
        return docs
    return [{k: v for k, v in doc.items() if v is not None} for doc in docs]


def validate_fields(fields: Sequence[str]) -> None:
    """``find``'s ``fields``: plain top-level names other than ``_id`` (always read)."""
    if not all(_FIELD_NAME.match(field) and field != "_id" for field in fields):
        raise UnsupportedQuery(f"fields {list(fields)!r}: plain top-level names only")
