"""What every handler works with: the stores, the vault, the audit log, the clock, the rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from warmflow_shared.audit import AuditTrail
from warmflow_shared.outbox import AggregateStore
from warmflow_shared.storage.port import Collection

from warmflow_registry.config import RegistrySettings
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
    agreements: AggregateStore


@dataclass
class Registry:
    stores: Stores
    vault: Vault
    audit: AuditTrail
    settings: RegistrySettings
    clock: Clock

    def now(self) -> datetime:
        return self.clock()
