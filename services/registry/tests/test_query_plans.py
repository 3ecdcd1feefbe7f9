"""Every query behind the staff's lists, searches, exports, statistics and the nightly sweeps
(lost contact, self-withdrawal) is answered from an index, never by reading the whole collection.

The queries are the ones the registry really makes (recorded while the requests run); the
store is asked how it would answer each: SQLite's ``EXPLAIN QUERY PLAN`` of the statement the
adapter runs, MongoDB's ``explain`` (FerretDB v1 on PostgreSQL answers most filters by reading
every document and filtering in Go, whatever the indexes: its plans are printed, not judged —
docs/scale.md). ``bench/scale.py`` measures what the plans mean at 10,000 … 1,000,000 files.
"""

from __future__ import annotations

from warmflow_registry.service_layer import jobs, stats
from warmflow_shared.storage.plans import QueryLog, scans
from warmflow_shared.storage.sqlite import SqliteCollection

from .conftest import Platform
from .flows import outflow, register, world
from .test_search_cost import worst_principal

API = "/api/registry"


async def test_lists_searches_exports_stats_and_the_sweep_read_through_indexes(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    member, _ = await register(p, w, name="索引测试")
    await outflow(p, w, member)
    worst = worst_principal(p, w, 3)
    searches = [
        {},
        {"name": "张", "page": 2, "size": 5},
        {"org_id": "yuhang-ai-town-committee", "county": "yuexi", "name": "张", "overdue": "true"},
        {"status": "checked_in", "site_id": w.site},
        {"id_number": "110101199003071234"},
    ]
    stores = p.registry.stores
    watched = [
        stores.members.collection,
        stores.organisations.collection,
        stores.agreements.collection,
        stores.sites.collection,
        stores.stats,
    ]
    with QueryLog().watching(watched) as log:
        for params in searches:
            for headers in (worst, w.yuexi_admin):
                response = await p.client.get(f"{API}/members", params=params, headers=headers)
                assert response.status_code == 200, response.text
        for worklist in ("lost-contact", "self-withdrawal", "removal-due", "transfer-due"):
            for headers in (worst, w.yuexi_admin):
                response = await p.client.get(f"{API}/worklists/{worklist}", headers=headers)
                assert response.status_code == 200, response.text
        exported = await p.client.get(
            f"{API}/members/export.xlsx", params={"county": "yuhang"}, headers=w.yuexi_admin
        )
        assert exported.status_code == 200, exported.text
        for path, headers in (
            ("counties/yuexi", w.yuexi_admin),
            ("organisations/yuexi-county-committee", w.yuexi_admin),
            (f"sites/{w.site}", w.yuhang_admin),
        ):
            response = await p.client.get(f"{API}/stats/{path}", headers=headers)
            assert response.status_code == 200, response.text
        await jobs.sweep_lost_contact(p.registry)
        await jobs.sweep_self_withdrawal(p.registry)
        await jobs.sweep_transfer_due(p.registry)
        await stats.by_county(p.registry)  # the /metrics gauges per county

    recorded = {q.collection for q in log.queries.values()}
    assert {"members", "organisations", "agreements", "stats"} <= recorded
    found = await scans(log, {c.name: c for c in watched})
    if isinstance(stores.members.collection, SqliteCollection):
        assert not found, "collection scans:\n" + "\n".join(map(str, found))
    else:
        print("\n".join(f"FerretDB reads the whole collection for: {s}" for s in found))
