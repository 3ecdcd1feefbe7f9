"""Other services' events that change a member file, each applied exactly once.

The member aggregate remembers the ids of the events it applied (``caused_by`` in the same
write as the change), so a redelivered event finds ``has_applied`` and changes nothing.
"""

from __future__ import annotations

from warmflow_shared.errors import NotFound
from warmflow_shared.events.catalog import CATALOG, learning, support, transfers
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.events.happened import Happened

from warmflow_registry.domain import contact, settled, withdrawal
from warmflow_registry.domain.mobility import Actor
from warmflow_registry.domain.model import Member
from warmflow_registry.service_layer.context import Registry
from warmflow_registry.service_layer.members import Decide, change_member

TRANSFERS = Actor("transfers", "system")
LEARNING = Actor("learning", "system")
SUPPORT = Actor("support", "system")
PRESENT = frozenset({"present", "late"})


async def on_transfer_placed(registry: Registry, envelope: Envelope) -> None:
    event = CATALOG.parse(envelope)
    assert isinstance(event, transfers.TransferAccepted | transfers.TransferCompleted)

    def decide(member: Member) -> list[Happened]:
        return contact.change_home(
            member,
            org_id=event.branch_id or event.receiving_org_id,
            county=event.receiving_county,
            transfer_id=event.transfer_id,
            now=registry.now(),
            actor=TRANSFERS,
        )

    await _apply(registry, event.member_id, decide, envelope)


async def on_transfer_applied(registry: Registry, envelope: Envelope) -> None:
    """A transfer applied for, or its case rejected or cancelled: whether the member is on the
    应转移组织关系 work list (``domain.settled``)."""
    event = CATALOG.parse(envelope)
    assert isinstance(
        event,
        transfers.TransferRequested | transfers.TransferRejected | transfers.TransferCancelled,
    )
    opened = isinstance(event, transfers.TransferRequested)

    def decide(member: Member) -> list[Happened]:
        if opened:
            return settled.applied(member, event.transfer_id)
        return settled.closed(member, event.transfer_id)

    await _apply(registry, event.member_id, decide, envelope)


async def on_attendance(registry: Registry, envelope: Envelope) -> None:
    event = CATALOG.parse(envelope)
    assert isinstance(event, learning.AttendanceRecorded)
    if event.status not in PRESENT:
        return

    def decide(member: Member) -> list[Happened]:
        now = registry.now()
        return withdrawal.record(member, "attendance", event.attended_on, now=now, actor=LEARNING)

    await _apply(registry, event.member_id, decide, envelope)


async def on_vanguard_contact(registry: Registry, envelope: Envelope) -> None:
    """A 服务先锋队 visit, call or message reached the member: it counts as contact."""
    event = CATALOG.parse(envelope)
    assert isinstance(event, support.MemberContacted)

    def decide(member: Member) -> list[Happened]:
        now = registry.now()
        return contact.record_reach(member, "contact", event.contacted_on, now=now, actor=SUPPORT)

    await _apply(registry, event.member_id, decide, envelope)


async def _apply(registry: Registry, member_id: str, decide: Decide, envelope: Envelope) -> None:
    try:
        await change_member(registry, member_id, decide, caused_by=envelope)
    except NotFound:
        return  # a member this registry does not keep: nothing to change


HANDLERS = {
    transfers.TransferAccepted.wire_name: on_transfer_placed,
    transfers.TransferCompleted.wire_name: on_transfer_placed,
    transfers.TransferRequested.wire_name: on_transfer_applied,
    transfers.TransferRejected.wire_name: on_transfer_applied,
    transfers.TransferCancelled.wire_name: on_transfer_applied,
    learning.AttendanceRecorded.wire_name: on_attendance,
    support.MemberContacted.wire_name: on_vanguard_contact,
}
TOPICS = (transfers.CASE_TOPIC, learning.SESSION_TOPIC, support.VANGUARD_TOPIC)


async def handle(registry: Registry, envelope: Envelope) -> None:
    handler = HANDLERS.get(envelope.type)
    if handler is not None:
        await handler(registry, envelope)
