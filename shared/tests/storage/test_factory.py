"""open_store: one setting picks the backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from warmflow_shared.storage.factory import database_name, open_store
from warmflow_shared.storage.mongo import MongoStore
from warmflow_shared.storage.sqlite import SqliteStore


async def test_sqlite_backend_makes_one_file_per_service(tmp_path: Path) -> None:
    store = open_store("sqlite", service="registry", sqlite_dir=tmp_path / "data" / "db")
    await store.collection("members").insert({"_id": "m1"})
    await store.close()

    assert isinstance(store, SqliteStore)
    assert (tmp_path / "data" / "db" / "registry.sqlite").exists()


async def test_mongodb_backend_uses_one_database_per_service() -> None:
    store = open_store("mongodb", service="transfers", mongodb_url="mongodb://127.0.0.1:1/")

    assert isinstance(store, MongoStore)
    assert store.database.name == "warmflow_transfers"
    await store.close()


def test_database_names_are_latin_letters_and_underscores() -> None:
    assert database_name("read-models") == "warmflow_read_models"
    with pytest.raises(ValueError):
        database_name("学习")
    with pytest.raises(ValueError):
        database_name("v2")


@pytest.mark.parametrize(
    ("backend", "options"),
    [("sqlite", {}), ("mongodb", {}), ("postgres", {"sqlite_dir": Path("/tmp")})],
)
def test_missing_settings_are_refused(backend: str, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        open_store(backend, service="notify", **options)
