"""What every handler works with; aggregates change through `warmflow_shared.outbox.repo`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from warmflow_shared.clock import Clock
from warmflow_shared.idempotency import Projection
from warmflow_shared.outbox.repo import Repo

from warmflow_support.config import SupportSettings
from warmflow_support.domain.cases import SupportCase
from warmflow_support.domain.talent import Consent, Introduction, Need
from warmflow_support.domain.vanguard import Contact, Vanguard


@dataclass
class Support:
    settings: SupportSettings
    clock: Clock
    needs: Repo[Need]
    introductions: Repo[Introduction]
    consents: Repo[Consent]
    cases: Repo[SupportCase]
    vanguards: Repo[Vanguard]
    contacts: Repo[Contact]
    members: Projection
    sites: Projection
    organisations: Projection  # the tree org admins and site staff see members under
    agreements: Projection

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(hours=self.settings.local_utc_offset_hours))

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()
