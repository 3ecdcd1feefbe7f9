"""What the rows of one import chunk share: the importer, the file's columns, what was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.events.contracts import Publishable
from warmflow_shared.outbox.deadlines import Deadline
from warmflow_shared.outbox.store import Loaded

from warmflow_registry.domain.errors import Problem
from warmflow_registry.domain.import_columns import ColumnMap
from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer.context import Registry


@dataclass(frozen=True)
class PendingFile:
    position: int
    member_id: str
    state: dict[str, Any]
    events: list[Publishable]


@dataclass(frozen=True)
class PendingUpdate:
    """A stored file's change a row decided, written with the chunk's others at its end."""

    position: int
    loaded: Loaded  # the file as the chunk read it: written only if still at its version
    state: dict[str, Any]
    events: list[Publishable]
    deadlines: list[Deadline] | None


class RowRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.reason for p in problems))
        self.problems = problems


class AlreadyFiled(Exception):
    """A file with the row's ID number appeared after the chunk's files were read."""


def reject(field_name: str, reason: str) -> RowRejected:
    return RowRejected([Problem(field_name, reason)])


@dataclass
class RowContext:
    registry: Registry
    principal: Principal
    columns: ColumnMap
    orgs: dict[str, Organisation | str] = field(default_factory=dict)
    # external home branches by region and name: the record, or the column and reason refused
    homes: dict[str, Organisation | tuple[str, str]] = field(default_factory=dict)
    paths: list[str] | None = None  # the importer's organisation paths, read once per chunk
    # id hash → stored file, for the hashes read together in ``prefetch`` (one query per chunk)
    known: dict[str, Loaded] = field(default_factory=dict)
    prefetched: set[str] = field(default_factory=set)
    repeated: dict[str, list[int]] = field(default_factory=dict)  # see ImportJob.repeated
    # new files of the chunk, written together at its end (one round trip), by row position
    pending: list[PendingFile] = field(default_factory=list)
    # changes to stored files, written together at the chunk's end (``write_updates``)
    updates: list[PendingUpdate] = field(default_factory=list)
    position: int = 0  # the row being imported: its index in the chunk's outcomes
    job_id: str = ""  # new files carry it: a resumed chunk counts its own files as created
    # the chunk's key (job id / chunk), kept on the new files it writes: a run of the chunk after
    # a crash finds those it wrote before, with a query the store can narrow (``write_new``)
    batch: str = ""
    hashes: dict[str, str] = field(default_factory=dict)  # ID number → keyed hash, once a row

    def hash_of(self, id_number: str) -> str:
        if (digest := self.hashes.get(id_number)) is None:
            digest = self.hashes[id_number] = self.registry.vault.search_hash(id_number)
        return digest

    def column(self, field_path: str) -> str:
        parts = field_path.removeprefix("body.").split(".")
        return self.columns.header(
            parts[1] if parts[0] == "profile" and len(parts) > 1 else parts[0]
        )

    def report(self, problems: list[Problem]) -> list[dict[str, str]]:
        return [{"column": self.column(p.field), "reason": p.reason} for p in problems]
