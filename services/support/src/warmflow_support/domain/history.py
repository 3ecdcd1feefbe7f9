"""Who did what and why: the step every aggregate of this service records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Actor(BaseModel):
    subject: str
    role: str
    county: str | None = None
    name: str | None = None  # the person's name when their token carries one


class Step(BaseModel):
    at: datetime
    by: str  # the token subject: what the audit trail knows the person by
    by_name: str | None = None  # what people read, where the token named the person
    role: str
    county: str | None
    action: str
    reason: str = ""


def step(actor: Actor, at: datetime, action: str, reason: str = "") -> Step:
    return Step(
        at=at,
        by=actor.subject,
        by_name=actor.name,
        role=actor.role,
        county=actor.county,
        action=action,
        reason=reason,
    )
