"""Indexes of the registry's collections: every query the service makes is served by one."""

from __future__ import annotations

from collections.abc import Sequence

from warmflow_shared.storage.port import IndexSpec

from warmflow_registry.service_layer.queries import INFLOW_ORDER, NAME_ORDER, OUTFLOW_ORDER

INDEXES: dict[str, Sequence[IndexSpec]] = {
    "members": [
        IndexSpec(("state.id_hash",), unique=True),
        NAME_ORDER,  # the name order of every list; a broad scope's pages walk it
        IndexSpec(("state.home_county", "state.profile.name")),
        IndexSpec(("state.inflow_county", "state.profile.name")),
        IndexSpec(("state.outflow_path",)),
        IndexSpec(("state.inflow_path",)),
        # the inflow side of an org admin's or site staff's scope: an inflow subtree of members
        # whose home county shares with the caller (``scope.member_branches``); without it SQLite
        # serves that branch from (home_county, name), i.e. reads every member of those counties
        IndexSpec(("state.home_county", "state.inflow_path")),
        # a search by organisation (``queries.search_filters``): its subtree's exact paths on
        # either side, with the name prefix — the matches themselves, not the subtree's files
        OUTFLOW_ORDER,
        INFLOW_ORDER,
        IndexSpec(("state.site_id", "state.status")),
        IndexSpec(("state.status", "state.reachable_since")),
        IndexSpec(("state.withdrawal_due",)),  # the nightly self-withdrawal sweep
        IndexSpec(("state.report_since",)),  # the yearly report's sweep and work list
        # 应转移组织关系: the nightly sweep (checked in, not told yet, left six months ago or more)
        IndexSpec(("state.status", "state.transfer_advised_on", "state.outflow_on")),
        IndexSpec(("state.card.number",)),
    ],
    "organisations": [IndexSpec(("state.county", "state.path")), IndexSpec(("state.parent_id",))],
    "sites": [IndexSpec(("state.county",)), IndexSpec(("state.org_id",))],
    "desk_tickets": [IndexSpec(("state.site_id", "state.status", "state.opened_at"))],
}
