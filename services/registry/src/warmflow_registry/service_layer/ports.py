"""What the handlers need of the registry's adapters, as ports: bootstrap gives the adapters.

``adapters/pii.py`` (the vault), ``adapters/import_files.py`` (an import's sealed rows and its
report) implement these; the service layer never imports an adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from warmflow_shared.documents.spreadsheets import Row


class Vault(Protocol):
    """ID numbers: encrypted at rest, found by a keyed hash."""

    def encrypt(self, id_number: str) -> str: ...

    def decrypt(self, cipher: str) -> str: ...

    def search_hash(self, id_number: str) -> str: ...


class RowStore(Protocol):
    """An import's parsed rows, kept (sealed) in chunks until each is processed."""

    async def put(self, job_id: str, number: int, rows: Sequence[Row]) -> None: ...

    async def get(self, job_id: str, number: int) -> list[Row] | None: ...

    async def drop(self, job_id: str, number: int) -> None: ...


class RowReport(Protocol):
    """An import's refused rows: row, column and reason (never a cell value)."""

    async def add(
        self, job_id: str, entries: Sequence[tuple[int, list[dict[str, str]]]]
    ) -> None: ...

    async def page(
        self, job_id: str, skip: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]: ...
