"""Data-sharing agreements (共管共育) as other services see them: a projection and one check.

The registry owns agreements and publishes them on ``warmflow.registry.agreement``. A service
that shows or sends member data to staff of a county other than the member's home county keeps
this projection and asks ``shares`` before it does, with the registry's own rule: an agreement
between the two counties, active (not revoked), covering the purpose, and valid today in China
— so expiry cuts access on its day without any event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from warmflow_shared.events.envelope import Envelope

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
MANAGEMENT = "management"  # the purpose of everyday dual management (the registry's default)
AGREEMENT_EVENTS = ("registry.AgreementActivated", "registry.AgreementRevoked")


def agreement_state(state: Mapping[str, Any] | None, envelope: Envelope) -> dict[str, Any]:
    """The projected agreement after one of ``AGREEMENT_EVENTS``."""
    data = envelope.data
    if envelope.type == "registry.AgreementRevoked":
        return {**(state or {}), "agreement_id": data["agreement_id"], "status": "revoked"}
    return {
        "agreement_id": data["agreement_id"],
        "parties": sorted(data["parties"]),
        "purposes": list(data["purposes"]),
        "valid_from": str(data["valid_from"]),
        "valid_until": str(data["valid_until"]),
        "status": "revoked" if (state or {}).get("status") == "revoked" else "active",
    }


def in_force(agreement: Mapping[str, Any], now: datetime) -> bool:
    today = now.astimezone(CHINA).date()
    if agreement.get("status") != "active" or "valid_from" not in agreement:
        return False
    return (
        date.fromisoformat(agreement["valid_from"])
        <= today
        <= date.fromisoformat(agreement["valid_until"])
    )


def shares(
    agreements: Iterable[Mapping[str, Any]],
    viewer: str | None,
    home: str | None,
    now: datetime,
    purpose: str = MANAGEMENT,
) -> bool:
    """May staff of ``viewer`` see member data of a member whose home county is ``home``?"""
    if viewer is None or home is None or viewer == home:
        return True
    pair = sorted((viewer, home))
    return any(
        a.get("parties") == pair and purpose in a.get("purposes", []) and in_force(a, now)
        for a in agreements
    )
