"""What every handler works with: the stores, the vault, the audit log, the clock, the rules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from warmflow_shared.audit import AuditTrail
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.storage.port import Collection

from warmflow_registry.config import RegistrySettings
from warmflow_registry.domain.contact import months_before
from warmflow_registry.domain.mobility import today
from warmflow_registry.domain.search import SearchRule
from warmflow_registry.service_layer.ports import Vault

T = TypeVar("T")
Clock = Callable[[], datetime]


@dataclass
class Stores:
    members: AggregateStore
    organisations: AggregateStore
    sites: AggregateStore
    counters: AggregateStore
    tickets: AggregateStore
    jobs: AggregateStore
    stats: Collection
    stats_members: Collection
    stats_tickets: Collection
    agreements: AggregateStore


@dataclass
class Registry:
    stores: Stores
    vault: Vault
    audit: AuditTrail
    settings: RegistrySettings
    clock: Clock
    # The statistics consumer's partitions take turns here: their batches move the same
    # county and organisation counters, and a version conflict on those costs more than the
    # wait (the store has one writer anyway). Versions still guard against other processes.
    stats_turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    # a site's county, by site id (it never changes): a site staff's token is checked against it
    site_counties: dict[str, str] = field(default_factory=dict)
    # the statistics' counter keys of an organisation and its ancestors, by organisation id (an
    # organisation's place in the tree never changes: ``UpdateOrganisation`` has no parent)
    org_counter_keys: dict[str, frozenset[str]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def lost_contact_cutoff(self, now: datetime | None = None) -> date:
        """Members without contact since before this day are 失联 (the sweep's period)."""
        months = self.settings.lost_contact_months
        return months_before(today(now or self.now()), months)

    def search_rule(self) -> SearchRule:
        """经多方查找 before a suspension, as configured (``domain.search``)."""
        s = self.settings
        return SearchRule(s.lost_search_attempts, s.lost_search_channels, s.lost_search_span_days)
