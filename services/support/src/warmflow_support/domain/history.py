"""Who did what and why: the step every aggregate of this service records."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Actor(BaseModel):
    subject: str
    role: str
    county: str | None = None


class Step(BaseModel):
    at: datetime
    by: str
    role: str
    county: str | None
    action: str
    reason: str = ""


def step(actor: Actor, at: datetime, action: str, reason: str = "") -> Step:
    return Step(
        at=at, by=actor.subject, role=actor.role, county=actor.county, action=action, reason=reason
    )
