"""A bulk import job: its progress is saved after every chunk, so a restart resumes from there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["running", "done"]
JOB_STATUS_NAMES = {"running": "导入中", "done": "已完成"}
Outcome = Literal["created", "updated", "unchanged", "rejected"]


class Importer(BaseModel):
    """Who started the job: every row is checked against this caller's scope."""

    subject: str
    role: str
    county: str | None = None
    organisations: tuple[str, ...] = ()
    site_id: str | None = None
    name: str | None = None  # the token's name claim, when it has one


class ImportJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    filename: str
    importer: Importer
    columns: dict[str, str]  # field → the file's header for it
    total: int
    chunks: int
    chunk_size: int
    status: JobStatus = "running"
    next_chunk: int = 0
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    resumed_at_rows: list[int] = Field(default_factory=list)
    # what the importer must know of the file as a whole (Chinese), e.g. sheets left unread
    notes: list[str] = Field(default_factory=list)
    # keyed hash of an ID number → the rows that carry it, when more than one does: none of
    # them is applied over another (which one is right is for the importer to say)
    repeated: dict[str, list[int]] = Field(default_factory=dict)
    created_at: datetime
    finished_at: datetime | None = None

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        """One chunk done: counts move on with the row the next chunk starts from."""
        for outcome in outcomes:
            setattr(self, outcome, getattr(self, outcome) + 1)
        self.rows_done += len(outcomes)
        self.next_chunk += 1
        if self.next_chunk >= self.chunks:
            self.status, self.finished_at = "done", now

    def note_resume(self) -> None:
        self.resumed_at_rows.append(self.rows_done)
