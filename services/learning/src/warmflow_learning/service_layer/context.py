"""What every handler works with; aggregates change through `warmflow_shared.outbox.repo`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from warmflow_shared.clock import Clock
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.outbox.repo import Events as Events

from warmflow_learning.config import LearningSettings
from warmflow_learning.domain.model import Certificate


@dataclass
class Learning:
    settings: LearningSettings
    clock: Clock
    teachers: AggregateStore
    courses: AggregateStore
    classes: AggregateStore
    sessions: AggregateStore
    activities: AggregateStore
    honours: AggregateStore
    certificates: AggregateStore
    members: Projection
    sites: Projection
    organisations: Projection
    agreements: Projection  # the registry's data-sharing agreements (who may see whom)
    # renders a certificate (adapters/certificate_pdf.py): (certificate, verify url, utc offset,
    # issuer) -> PDF bytes
    render_certificate: Callable[[Certificate, str, int, str | None], bytes]

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(hours=self.settings.local_utc_offset_hours))

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()
