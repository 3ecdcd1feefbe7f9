"""What every handler of the service works with: its stores, projections, settings and clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from warmflow_shared.clock import Clock
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore

from warmflow_transfers.config import TransfersSettings
from warmflow_transfers.domain.calendar import local_date


@dataclass
class Transfers:
    settings: TransfersSettings
    clock: Clock
    cases: AggregateStore
    counters: AggregateStore
    members: Projection
    organisations: Projection

    @property
    def zone(self) -> tzinfo:
        return self.settings.zone

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return local_date(self.clock.now(), self.zone)
