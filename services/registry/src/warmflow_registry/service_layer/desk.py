"""The service desk of a site: consultations, suggestions and problems, open → resolved."""

from __future__ import annotations

import uuid
from typing import Any

from warmflow_shared.errors import NotFound
from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.outbox.change import Change, change
from warmflow_shared.outbox.store import Loaded

from warmflow_registry.domain import desk
from warmflow_registry.domain.codes import TicketStatus
from warmflow_registry.domain.desk import Ticket
from warmflow_registry.domain.mobility import Actor
from warmflow_registry.domain.organisation import Site
from warmflow_registry.service_layer.commands import OpenTicket
from warmflow_registry.service_layer.context import Registry


def _facts(ticket: Ticket) -> dict[str, Any]:
    return ticket.model_dump(
        include={"site_id", "county", "org_id", "category", "channel", "member_id"}
    )


async def open_ticket(registry: Registry, site: Site, cmd: OpenTicket, actor: Actor) -> Ticket:
    now = registry.now()
    ticket = Ticket(
        id="t" + uuid.uuid4().hex[:20],
        county=site.county,
        org_id=site.org_id,
        opened_at=now,
        opened_by=actor.subject,
        **cmd.model_dump(),
    )
    event = ev.DeskTicketOpened(ticket_id=ticket.id, **_facts(ticket), opened_at=now)
    await registry.stores.tickets.save(
        ticket.id, ticket.model_dump(mode="json"), expected=None, events=[event]
    )
    return ticket


async def find_ticket(registry: Registry, ticket_id: str) -> Ticket:
    loaded = await registry.stores.tickets.load(ticket_id)
    if loaded is None:
        raise NotFound(f"服务事项 {ticket_id} 不存在")
    return Ticket.model_validate(loaded.state)


async def advance_ticket(
    registry: Registry, ticket_id: str, to: TicketStatus, resolution: str | None
) -> Ticket:
    def decide(loaded: Loaded) -> Change[Ticket]:
        ticket = Ticket.model_validate(loaded.state)
        now = registry.now()
        desk.advance(ticket, to, now, resolution)
        events = []
        if to == "resolved":
            events.append(
                ev.DeskTicketResolved(ticket_id=ticket.id, **_facts(ticket), resolved_at=now)
            )
        return Change(ticket, ticket.model_dump(mode="json"), events)

    missing = f"服务事项 {ticket_id} 不存在"
    return await change(registry.stores.tickets, ticket_id, decide, missing=missing)


async def list_tickets(
    registry: Registry, site_id: str, status: str | None, skip: int, limit: int
) -> tuple[int, list[Ticket]]:
    where = {"state.site_id": site_id}
    if status:
        where["state.status"] = status
    collection = registry.stores.tickets.collection
    total = await collection.count(where)
    docs = await collection.find(where, sort=[("state.opened_at", -1)], skip=skip, limit=limit)
    return total, [Ticket.model_validate(doc["state"]) for doc in docs]
