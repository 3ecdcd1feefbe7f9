"""The yearly report to the home organisation: made in the app or recorded by home-side staff;
the bounds of the nightly sweep (``jobs``) and of the work list."""

from __future__ import annotations

from datetime import date, timedelta

from warmflow_shared.events.catalog.vocabulary import ReportChannel
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain import reports
from warmflow_registry.domain.mobility import Actor, today
from warmflow_registry.domain.model import Member
from warmflow_registry.service_layer.commands import ReceivedReport, YearlyReport
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.members import change_member


async def report_in_app(
    registry: Registry, member_id: str, cmd: YearlyReport, actor: Actor
) -> Member:
    """The member's own report, made today (a member not away: their text is refused)."""
    on = today(registry.now())
    return await _record(registry, member_id, cmd.text, on, "app", actor, "body.text")


async def record_received(
    registry: Registry, member_id: str, cmd: ReceivedReport, actor: Actor
) -> Member:
    """A report the home side received another way (letter, phone, visit), with its day."""
    return await _record(registry, member_id, cmd.text, cmd.on, cmd.channel, actor)


async def _record(
    registry: Registry,
    member_id: str,
    text: str,
    on: date,
    channel: ReportChannel,
    actor: Actor,
    away_field: str = "path.member_id",
) -> Member:
    months = registry.settings.yearly_report_months

    def decide(member: Member) -> list[Happened]:
        return reports.record(
            member,
            text=text,
            on=on,
            channel=channel,
            months=months,
            now=registry.now(),
            actor=actor,
            away_field=away_field,
        )

    # always saved: a report older than the last one is kept in the history only
    return await change_member(registry, member_id, decide, always_save=True)


def overdue_bound(registry: Registry) -> date:
    """Members away whose year counts from before this day have not reported for too long."""
    months = registry.settings.yearly_report_months
    return reports.overdue_since_before(today(registry.now()), months)


def remind_bound(registry: Registry) -> date:
    """Members away whose year counts from before this day are due a reminder (or overdue)."""
    settings = registry.settings
    # reminded when the year ends within the days ahead: overdue, as it were, the day after them
    ahead = today(registry.now()) + timedelta(days=settings.yearly_report_remind_days + 1)
    return reports.overdue_since_before(ahead, settings.yearly_report_months)
