"""What every handler works with: the stores, the vault, the audit log, the clock, the rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from warmflow_shared.outbox import AggregateStore
from warmflow_shared.storage.port import Collection, VersionConflict
from warmflow_shared.web.errors import Conflict, FieldError, InvalidInput

from warmflow_registry.adapters.audit import AuditLog
from warmflow_registry.adapters.pii import IdNumberVault
from warmflow_registry.config import RegistrySettings
from warmflow_registry.domain.errors import InvalidData, RuleViolation

T = TypeVar("T")
Clock = Callable[[], datetime]
CONFLICT_RETRIES = 10


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
    vault: IdNumberVault
    audit: AuditLog
    settings: RegistrySettings
    clock: Clock

    def now(self) -> datetime:
        return self.clock()


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain rule breaks leave as 409 (illegal transition) or 422 (naming each field)."""
    try:
        yield
    except RuleViolation as exc:
        raise Conflict(str(exc)) from exc
    except InvalidData as exc:
        errors = [FieldError(f"body.{p.field}", p.reason) for p in exc.problems]
        raise InvalidInput("请检查下列字段后重新提交", errors=errors) from exc


async def retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Re-run a load–decide–save on a version conflict: someone else saved in between."""
    for _ in range(CONFLICT_RETRIES):
        try:
            return await attempt()
        except VersionConflict:
            continue
    raise Conflict("记录正被他人同时修改，请稍后重试")
