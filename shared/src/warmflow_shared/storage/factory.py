"""One setting picks the store: an SQLite file per service, or a MongoDB database per service."""

from __future__ import annotations

import re
from pathlib import Path

from warmflow_shared.storage.port import DocumentStore

_SERVICE = re.compile(r"[A-Za-z_]+\Z")


def database_name(service: str) -> str:
    name = service.replace("-", "_")
    if not _SERVICE.match(name):
        raise ValueError(f"service name {service!r} must be Latin letters, '-' or '_'")
    return f"warmflow_{name}"


def open_store(
    backend: str,
    *,
    service: str,
    sqlite_dir: Path | None = None,
    mongodb_url: str | None = None,
) -> DocumentStore:
    database = database_name(service)
    if backend == "sqlite":
        from warmflow_shared.storage.sqlite import SqliteStore

        if sqlite_dir is None:
            raise ValueError("the sqlite backend needs sqlite_dir")
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        return SqliteStore(sqlite_dir / f"{service}.sqlite")
    if backend == "mongodb":
        from warmflow_shared.storage.mongo import MongoStore

        if not mongodb_url:
            raise ValueError("the mongodb backend needs mongodb_url")
        return MongoStore(mongodb_url, database)
    raise ValueError(f"unknown storage backend {backend!r} (expected 'sqlite' or 'mongodb')")
