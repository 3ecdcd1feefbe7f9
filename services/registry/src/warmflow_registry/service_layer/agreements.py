"""Data-sharing agreements: proposed, approved by both parties' county admins, revoked; and the
look-ups reads make (which fields a county may see of another county's members, for a purpose).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from warmflow_shared.auth.principal import COUNTY_PATTERN, Principal
from warmflow_shared.days import Day
from warmflow_shared.errors import Forbidden, NotFound
from warmflow_shared.events.happened import Happened
from warmflow_shared.outbox.change import Change, change
from warmflow_shared.outbox.store import Loaded
from warmflow_shared.storage.port import DuplicateKeyError, IndexSpec

from warmflow_registry.domain import agreements as dom
from warmflow_registry.domain.agreements import Agreement, Approval, County, Purpose, Revocation
from warmflow_registry.domain.presets import SEEDED_AGREEMENTS
from warmflow_registry.domain.timezones import local_date
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.counties import county_names, known_counties, require_known
from warmflow_registry.service_layer.events import agreement_events

AGREEMENT_INDEXES = [IndexSpec(("state.pair", "state.status", "state.valid_until"))]
SEED_SUBJECT = "seed"
# the purpose code a request states in its X-Purpose header (set by the routes' dependency)
STATED_PURPOSE: ContextVar[str | None] = ContextVar("stated_purpose", default=None)


def purpose_of(text: str | None) -> str:
    """The agreement purpose of a read: X-Purpose, else a ``purpose`` that is a code, else the
    default; a free-text ``purpose`` is the reason for revealing an ID number (home side only)."""
    if stated := STATED_PURPOSE.get():
        return stated
    return text if text in dom.PURPOSE_NAMES else dom.DEFAULT_PURPOSE


class ProposeAgreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=2, max_length=100)
    parties: list[Annotated[str, Field(pattern=COUNTY_PATTERN)]] = Field(
        min_length=2, max_length=2, description="两个签约县（区）"
    )
    purposes: list[Purpose] = Field(min_length=1, max_length=4)
    fields: dict[Purpose, list[str]] = Field(
        default_factory=dict, description="每个用途可查看的档案字段；缺省为该用途的标准字段"
    )
    valid_from: Day
    valid_until: Day


async def _pairs_of(registry: Registry, county: str) -> list[str]:
    others = await known_counties(registry)
    return [dom.pair_of(county, other) for other in others if other != county]


async def _load(registry: Registry, agreement_id: str) -> tuple[Loaded, Agreement]:
    loaded = await registry.stores.agreements.load(agreement_id)
    if loaded is None:
        raise NotFound(f"协议 {agreement_id} 不存在")
    return loaded, Agreement.model_validate(loaded.state)


def _sees(principal: Principal, agreement: Agreement) -> bool:
    return principal.role == "auditor" or principal.county in agreement.parties


async def get_agreement(registry: Registry, principal: Principal, agreement_id: str) -> Agreement:
    _, agreement = await _load(registry, agreement_id)
    if not _sees(principal, agreement):
        raise NotFound(f"协议 {agreement_id} 不存在")
    return agreement


async def list_agreements(
    registry: Registry, principal: Principal, skip: int, limit: int
) -> tuple[int, list[Agreement]]:
    where: dict[str, Any] = {}
    if principal.role != "auditor":
        where["state.pair"] = {"$in": await _pairs_of(registry, principal.county or "")}
    collection = registry.stores.agreements.collection
    total = await collection.count(where)
    docs = await collection.find(where, sort=[("_id", 1)], skip=skip, limit=limit)
    return total, [Agreement.model_validate(doc["state"]) for doc in docs]


async def propose_agreement(
    registry: Registry, principal: Principal, cmd: ProposeAgreement
) -> Agreement:
    if principal.county not in cmd.parties:
        raise Forbidden("只能提出本县（区）为签约方的协议")
    await require_known(registry, list(cmd.parties), "parties")
    by = _approval(principal, registry)
    known = await county_names(registry)
    names = "—".join(known.get(c, c) for c in sorted(set(cmd.parties)))
    terms = cmd.model_dump(exclude={"title"})
    terms["purposes"] = sorted(set(cmd.purposes))
    agreement_id = f"{'-'.join(sorted(set(cmd.parties)))}-{uuid.uuid4().hex[:8]}"
    agreement = dom.draft(
        Agreement(
            id=agreement_id,
            title=cmd.title or f"{names}流动党员共管共育协议",
            pair="",
            proposed_by=by,
            **terms,
        ),
        registry.now(),
    )
    await registry.stores.agreements.save(
        agreement.id,
        _state(agreement),
        expected=None,
        events=agreement_events(agreement, dom.proposed(agreement)),
    )
    return agreement


def _approval(principal: Principal, registry: Registry) -> Approval:
    who = {"county": principal.county, "subject": principal.subject, "at": registry.now()}
    return Approval.model_validate(who)


def _state(agreement: Agreement) -> dict[str, Any]:
    return agreement.model_dump(mode="json")


Decide = Callable[[Agreement, Principal], list[Happened]]


async def _change(
    registry: Registry, principal: Principal, agreement_id: str, decide: Decide
) -> Agreement:
    def decided(loaded: Loaded) -> Change[Agreement]:
        agreement = Agreement.model_validate(loaded.state)
        if principal.county not in agreement.parties:
            raise Forbidden("您所在县（区）不是该协议的签约方")
        happened = decide(agreement, principal)  # changes the agreement: state read after it
        return Change(agreement, _state(agreement), agreement_events(agreement, happened))

    missing = f"协议 {agreement_id} 不存在"
    return await change(registry.stores.agreements, agreement_id, decided, missing=missing)


async def approve_agreement(
    registry: Registry, principal: Principal, agreement_id: str
) -> Agreement:
    def decide(agreement: Agreement, who: Principal) -> list[Happened]:
        return dom.approve(agreement, _approval(who, registry))

    return await _change(registry, principal, agreement_id, decide)


async def revoke_agreement(
    registry: Registry, principal: Principal, agreement_id: str, reason: str | None
) -> Agreement:
    def decide(agreement: Agreement, who: Principal) -> list[Happened]:
        by = _approval(who, registry)
        return dom.revoke(agreement, Revocation(**by.model_dump(), reason=reason))

    return await _change(registry, principal, agreement_id, decide)


async def shared_fields(registry: Registry, viewer: str, home: str, purpose: str) -> frozenset[str]:
    """What ``viewer``'s staff may see of ``home``'s members for ``purpose`` now (empty: none).

    Read on every cross-county access, so a revocation or the end of validity applies at once.
    """
    return (await partner_fields(registry, viewer, purpose)).get(home, frozenset())


async def partner_fields(
    registry: Registry, viewer: str, purpose: str
) -> dict[str, frozenset[str]]:
    """Per partner county, the fields ``viewer``'s staff may see for ``purpose`` now."""
    now = registry.now()
    where = {
        "state.pair": {"$in": await _pairs_of(registry, viewer)},
        "state.status": "active",
        "state.valid_until": {"$gte": local_date(now).isoformat()},
    }
    docs = await registry.stores.agreements.collection.find(where)
    found = [Agreement.model_validate(doc["state"]) for doc in docs]
    shares: dict[str, frozenset[str]] = {}
    for partner in {c for a in found for c in a.parties if c != viewer}:
        mine = [a for a in found if partner in a.parties]
        if fields := dom.shared_fields(mine, purpose, now):
            shares[partner] = fields
    return shares


async def ensure_seeded_agreements(registry: Registry) -> None:
    """Idempotent: the seeded agreements, already approved by both parties."""
    at = registry.now()
    for preset in SEEDED_AGREEMENTS:
        if await registry.stores.agreements.load(str(preset["id"])) is not None:
            continue
        agreement = Agreement.model_validate(
            {**preset, "proposed_by": {"county": "yuhang", "subject": SEED_SUBJECT, "at": at}}
        )
        agreement = agreement.model_copy(update={"fields": dict(dom.DEFAULT_FIELDS)})
        happened = [e for county in agreement.parties for e in _seed_approval(agreement, county)]
        events = agreement_events(agreement, happened)
        try:
            await registry.stores.agreements.save(
                agreement.id, _state(agreement), expected=None, events=events
            )
        except DuplicateKeyError:
            continue  # another instance seeded it at the same moment


def _seed_approval(agreement: Agreement, county: County) -> list[Happened]:
    by = Approval(county=county, subject=SEED_SUBJECT, at=agreement.proposed_by.at)
    return dom.approve(agreement, by)
