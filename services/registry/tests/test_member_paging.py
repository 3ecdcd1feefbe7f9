"""Member lists cost the same whatever the number of files: a capped total, pages by cursor.

The total is counted up to ``queries.TOTAL_CAP`` ("10000+"), or ``queries.SEARCH_TOTAL_CAP``
("100+") for a search by name or ID number; each page's ``next`` cursor reads the following
one. A scope with more matches than the cap is read along the (name, id) index (no sort of the
whole scope); a smaller one is gathered from its own index ranges. The caps are lowered here so
that a handful of files plays the broad scope.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from openpyxl import load_workbook
from warmflow_registry.service_layer import exports, queries
from warmflow_shared.documents.spreadsheets import XlsxWriter
from warmflow_shared.errors import InvalidInput
from warmflow_shared.storage.plans import QueryLog, sqlite_plan
from warmflow_shared.storage.sqlite import SqliteCollection
from warmflow_shared.testing.loop_turns import WorkBetweenTurns

from .conftest import Platform
from .flows import World, register, world

API = "/api/registry/members"


async def _named(p: Platform, count: int) -> tuple[World, str, list[str]]:
    """``count`` files of one fresh name prefix, registered against name order, two by two
    of the same name (the id orders them: a page may end between the two)."""
    w = await world(p)
    prefix = f"页{uuid.uuid4().hex[:6]}"
    names = [prefix + chr(0x4E00 + (count - i) // 2) for i in range(count)]
    for name in names:
        await register(p, w, name=name)
    return w, prefix, sorted(names)


async def _all_pages(p: Platform, params: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    """Every page from the first, each read with the previous one's ``next``."""
    pages, after = [], None
    while True:
        query = {**params, **({"after": after} if after else {})}
        response = await p.client.get(API, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        after = body["next"]
        if after is None:
            return pages


@pytest.mark.parametrize("cap", [3, 100])
async def test_pages_follow_the_cursor_in_name_order_with_the_total_capped(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    p = platform
    w, prefix, expected = await _named(p, 7)
    monkeypatch.setattr(queries, "SEARCH_TOTAL_CAP", cap)

    pages = await _all_pages(p, {"name": prefix, "size": 2}, w.yuexi_admin)

    assert [row["name"] for page in pages for row in page["items"]] == expected
    assert [len(page["items"]) for page in pages] == [2, 2, 2, 1]
    capped = cap < len(expected)
    assert {(page["total"], page["total_capped"]) for page in pages} == {
        (min(cap, len(expected)), capped)
    }
    by_number = await p.client.get(
        API, params={"name": prefix, "size": 2, "page": 2}, headers=w.yuexi_admin
    )
    assert [row["name"] for row in by_number.json()["items"]] == expected[2:4]


async def test_a_broad_scope_is_read_along_the_name_index_not_sorted(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = platform
    w, prefix, expected = await _named(p, 4)
    monkeypatch.setattr(queries, "SEARCH_TOTAL_CAP", 2)
    members = p.registry.stores.members.collection

    with QueryLog().watching([members]) as log:
        pages = await _all_pages(p, {"name": prefix, "size": 3}, w.yuexi_admin)

    assert [row["name"] for page in pages for row in page["items"]] == expected
    pages_read = [q for q in log.queries.values() if q.sort == queries.BY_NAME]
    assert pages_read and all(q.hint == queries.NAME_ORDER for q in pages_read)
    if isinstance(members, SqliteCollection):
        for query in pages_read:
            plan = sqlite_plan(members._store.path, query)
            assert not any("TEMP B-TREE" in line for line in plan), plan


async def test_a_bad_cursor_or_a_page_past_the_cap_is_refused(platform: Platform) -> None:
    p = platform
    w = await world(p)
    bad = await p.client.get(API, params={"after": "not-a-cursor"}, headers=w.yuexi_admin)
    far = await p.client.get(API, params={"page": 501, "size": 20}, headers=w.yuexi_admin)

    assert bad.status_code == far.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.after"
    assert far.json()["errors"][0]["field"] == "query.page"


@pytest.mark.parametrize("cap", [2, 100])
async def test_the_export_reads_batch_after_batch_in_name_order(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    p = platform
    w, prefix, expected = await _named(p, 5)
    monkeypatch.setattr(exports, "BATCH", 2)
    monkeypatch.setattr(queries, "TOTAL_CAP", cap)

    response = await p.client.get(
        f"{API}/export.xlsx", params={"name": prefix}, headers=w.yuexi_admin
    )

    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == expected


async def test_the_export_gives_the_event_loop_a_turn_every_few_rows(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the embedded platform serves every user from one loop: a long export must not hold it
    p = platform
    w, prefix, expected = await _named(p, 7)
    monkeypatch.setattr(exports, "BATCH", 5)
    monkeypatch.setattr(exports, "ROWS_PER_TURN", 2)
    work = WorkBetweenTurns()
    monkeypatch.setattr(XlsxWriter, "append", work.counting(XlsxWriter.append))
    async with work.watching():
        response = await p.client.get(
            f"{API}/export.xlsx", params={"name": prefix}, headers=w.yuexi_admin
        )

    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == expected
    assert work.longest <= 2 + 1  # the header row is written with the first rows


@pytest.mark.parametrize(
    "cursor",
    ["", "!!", "bnVsbA", "WzEsMiwzXQ", "WyJhIiwiYiIsLTFd", "WyJhIiwiYiIsMWUzMF0", "5byg"],
)
def test_a_cursor_that_is_not_ours_is_bad_input(cursor: str) -> None:
    # "", not base64, null, [1,2,3], ["a","b",-1], ["a","b",1e30], not JSON
    with pytest.raises(InvalidInput):
        queries.Position.decode(cursor)
    position = queries.Position("张三", "m1", 40)
    assert queries.Position.decode(position.encode()) == position
