"""The event handler table: project what notify keeps, then apply the rule table."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any

import structlog
from warmflow_shared.events.envelope import Envelope

from warmflow_notify.domain.model import Channel, Recipient
from warmflow_notify.domain.preferences import Preferences
from warmflow_notify.domain.rules import Rule, rule_for
from warmflow_notify.domain.variables import template_variables
from warmflow_notify.service_layer.digests import Digests
from warmflow_notify.service_layer.notices import Draft, NoticeWriter, channels_for
from warmflow_notify.service_layer.preferences_repo import PreferenceRepository
from warmflow_notify.service_layer.projections import Projections, projects_member
from warmflow_notify.service_layer.recipients import FirstRead, Recipients

log = structlog.get_logger(__name__)

COUNTY_KEYS = ("outflow_county", "inflow_county", "sending_county", "receiving_county", "county")
ORG_KEYS = ("outflow_org_id", "inflow_org_id", "sending_org_id", "receiving_org_id", "org_id")


def scope_of(
    data: Mapping[str, Any], rule: Rule, member: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Who may read the log entry: both sides of the event and, when it is about a member, both
    sides of that member (dual management: a learning notice about a Yuexi member working in
    Yuhang is the home county's business too)."""
    sides = [data, member or {}]
    home = data.get("outflow_county") or data.get("home_county")
    scope = {
        "counties": sorted({s[k] for s in sides for k in COUNTY_KEYS if s.get(k)}),
        "org_ids": sorted({s[k] for s in sides for k in ORG_KEYS if s.get(k)}),
        "subject_id": data.get(rule.subject_field),
        # the 暖流之家 of the event or member: its staff read the entry (shared scope)
        "site_ids": sorted({s[k] for s in sides for k in ("site_id", "home_site_id") if s.get(k)}),
        # whose member the notice is about: other counties see it only under an agreement
        "home_county": home or (member or {}).get("outflow_county"),
    }
    if data.get("receiving_county"):  # a transfer: both its counties are parties to the case
        scope["parties"] = sorted({data["sending_county"], data["receiving_county"]})
    if data.get("area"):  # a support case: its county's own, others under an agreement for it
        scope.update(owner_county=data.get("county"), purpose=data["area"])
    return scope


class Planner:
    def __init__(
        self,
        projections: Projections,
        recipients: Recipients,
        preferences: PreferenceRepository,
        writer: NoticeWriter,
        digests: Digests,
        available: Collection[Channel],
    ) -> None:
        self.projections = projections
        self.recipients = recipients
        self.preferences = preferences
        self.writer = writer
        self.digests = digests
        self.available = available

    async def handle(self, envelope: Envelope) -> None:
        rule = rule_for(envelope.type)
        if rule is None:
            await self.projections.apply(envelope)
            return
        first: FirstRead | None = None
        if projects_member(envelope.type):
            # the member's projection written and answered while its preferences and the
            # cache's check are read: the recipients read nothing more of the member
            first = await asyncio.gather(
                self.projections.apply_member(envelope), self.recipients.check(envelope.data)
            )
        else:  # projected first: a cached collection's writer counts before its own check
            await self.projections.apply(envelope)
        resolved = await self.recipients.resolve(rule, envelope.data, first)
        recipients, names, member, prefs = resolved
        draft = Draft(
            event_id=envelope.event_id,
            event_type=envelope.type,
            category=rule.category,
            urgency=rule.urgency,
            template=envelope.type,
            variables=template_variables(envelope.data, names),
            scope=scope_of(envelope.data, rule, member),
        )
        if rule.digest:  # staff and group bots hear of overdue items grouped (see digests)
            made = await self.notify(draft, [r for r in recipients if r.kind == "member"], prefs)
            await self.digests.open_items(envelope, rule, draft, recipients)
        else:
            made = await self.notify(draft, recipients, prefs)
        if rule.resolves:
            await self.digests.resolve(envelope, rule)
            subject = envelope.data.get(rule.subject_field) or envelope.subject
            await self.writer.cancel_open(rule.resolves, subject)
        log.info(
            "notify.event_planned", type=envelope.type, notices=made, recipients=len(recipients)
        )

    async def notify(
        self,
        draft: Draft,
        recipients: list[Recipient],
        prefs: Mapping[str, Preferences] | None = None,
    ) -> int:
        # The recipients' preferences (read unless given), one write of the event's new notices
        # (each notice still its own atomic insert).
        if prefs is None:
            prefs = await self.preferences.get_many([r.id for r in recipients])
        wanted = [
            (recipient, channel, prefs[recipient.id])
            for recipient in recipients
            for channel in channels_for(recipient, prefs[recipient.id], draft, self.available)
        ]
        return await self.writer.create(draft, wanted)
