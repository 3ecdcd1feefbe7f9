"""A search by organisation finds both sides of its subtree and reads the matches themselves.

Members carry their organisations' paths; the organisation filter is the subtree's exact paths
(``queries.subtree_paths``) on the outflow side (members of those organisations) and on the
inflow side (members who flowed into them), so that with a name prefix SQLite reads the
indexes on (county, path, name): the files that match, not every file of the subtree or of a
county (``bench/scale.py`` measures the search at 10,000 … 1,000,000 files).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from warmflow_registry.service_layer import queries
from warmflow_registry.service_layer.agreements import purpose_of
from warmflow_registry.service_layer.filters import all_of
from warmflow_registry.service_layer.scope import member_branches
from warmflow_shared.auth.principal import Principal
from warmflow_shared.storage.plans import QueryLog, sqlite_plan
from warmflow_shared.storage.sqlite import SqliteCollection

from .conftest import Platform
from .flows import World, outflow, register, world, yuhang_site
from .ids import id_number, profile, random_birth
from .test_search_cost import worst_principal

API = "/api/registry/members"


async def _names(p: Platform, params: dict[str, Any], headers: dict[str, str]) -> list[str]:
    response = await p.client.get(API, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"]) and not body["total_capped"], body
    return [row["name"] for row in body["items"]]


async def test_an_organisation_filter_finds_both_sides_of_its_subtree(platform: Platform) -> None:
    p = platform
    w, elsewhere = await world(p), await world(p)  # two Yuexi branches, two Yuhang sites
    prefix = f"组{uuid.uuid4().hex[:6]}"
    await register(p, w, name=prefix + "甲")
    moved, _ = await register(p, w, name=prefix + "乙")
    await outflow(p, w, moved)  # inflow side: Yuhang's AI-town committee (the site's)
    await register(p, elsewhere, name=prefix + "丙")
    admin = w.yuexi_admin

    def search(org_id: str, **more: str) -> dict[str, str]:
        return {"name": prefix, "org_id": org_id, **more}

    # a branch: its own members only; the county committee: every branch under it
    assert await _names(p, search(w.branch), admin) == sorted([prefix + "甲", prefix + "乙"])
    everyone = sorted([prefix + "丙", prefix + "甲", prefix + "乙"])
    assert await _names(p, search("yuexi-county-committee"), admin) == everyone
    # the inflow side, alone or with a county on either side of the member
    ai_town = "yuhang-ai-town-committee"
    assert await _names(p, search(ai_town), admin) == [prefix + "乙"]
    assert await _names(p, search(ai_town, county="yuexi"), admin) == [prefix + "乙"]
    assert await _names(p, search(ai_town, county="yuhang"), admin) == [prefix + "乙"]
    assert await _names(p, search(ai_town, county="songyang"), admin) == []
    assert await _names(p, search(w.branch, county="yuhang"), admin) == [prefix + "乙"]
    assert await _names(p, search("yuhang-county-committee"), admin) == [prefix + "乙"]


async def test_a_search_by_organisation_and_county_reads_the_path_name_indexes(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    members = p.registry.stores.members.collection
    if not isinstance(members, SqliteCollection):
        return  # MongoDB chooses among its plans by trying them; SQLite has no statistics
    searches = [
        {"name": "张", "org_id": "yuhang-ai-town-committee", "county": "yuexi"},
        {"name": "张", "org_id": "yuexi-county-committee", "county": "yuhang"},
        {"name": "张", "org_id": "yuhang-ai-town-committee"},
    ]
    with QueryLog().watching([members]) as log:
        for params in searches:
            for headers in (worst_principal(p, w, 3), w.yuexi_admin, w.yuhang_admin):
                response = await p.client.get(API, params=params, headers=headers)
                assert response.status_code == 200, response.text

    # the searches' own queries (they filter on the name), not the outbox relay's reads of the
    # same collection, which run beside them when a test before this one left events pending
    searched = [q for q in log.queries.values() if b"state.profile.name" in orjson.dumps(q.where)]
    assert searched
    for query in searched:
        plan = sqlite_plan(members._store.path, query)
        used = [line for line in plan if "USING INDEX" in line]
        # the (county, path, name, id) indexes, never (county, name) nor a path range alone
        assert used and all("_path__state_profile_name" in line for line in used), plan


async def _yuhang_branch_with_a_site(p: Platform, w: World) -> tuple[str, str]:
    """A Yuhang branch under the AI-town committee (one path: a subtree of itself) and a site
    of it, so that Yuexi members flow into it."""
    uid = uuid.uuid4().hex[:8]
    branch = {
        "id": f"yh-branch-{uid}",
        "code": f"YHB{uid}",
        "name": "余杭区某社区党支部",
        "type_code": "branch",
        "parent_id": "yuhang-ai-town-committee",
        "county": "yuhang",
    }
    made = await p.client.post("/api/registry/organisations", json=branch, headers=w.yuhang_admin)
    assert made.status_code == 201, made.text
    site = await yuhang_site(p, w.yuhang_admin, f"yh-site-b-{uid}", branch["id"])
    return branch["id"], site


async def test_a_broad_search_by_organisation_merges_both_sides_read_in_name_order(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = platform
    w = await world(p)
    branch, site = await _yuhang_branch_with_a_site(p, w)
    prefix = f"并{uuid.uuid4().hex[:6]}"
    names = [prefix + c for c in "甲乙丙丁戊"]
    for name in names[:3]:  # the branch's own members (outflow side)
        born = random_birth()
        body = {"id_number": id_number(born, "330110"), "home_org_id": branch}
        body["profile"] = profile(born, name=name)
        made = await p.client.post(API, json=body, headers=w.yuhang_admin)
        assert made.status_code == 201, made.text
    for name in names[3:]:  # Yuexi members who flowed into it (inflow side)
        member, _ = await register(p, w, name=name)
        move = {"reason_code": "work", "destination": "余杭区", "expected_months": 6}
        moved = await p.client.post(
            f"{API}/{member}/outflow", json={**move, "site_id": site}, headers=w.yuexi_admin
        )
        assert moved.status_code == 200, moved.text
    monkeypatch.setattr(queries, "SEARCH_TOTAL_CAP", 1)  # a handful plays the broad search
    members = p.registry.stores.members.collection

    pages, after = [], None
    with QueryLog().watching([members]) as log:
        while True:
            params = {
                "name": prefix,
                "org_id": branch,
                "size": 2,
                **({"after": after} if after else {}),
            }
            response = await p.client.get(API, params=params, headers=w.yuhang_admin)
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["total"], body["total_capped"]) == (1, True)
            pages.append([row["name"] for row in body["items"]])
            if (after := body["next"]) is None:
                break

    assert pages == [sorted(names)[:2], sorted(names)[2:4], sorted(names)[4:]]
    read = [q for q in log.queries.values() if q.sort == queries.BY_NAME]
    assert {q.hint for q in read} == {queries.OUTFLOW_ORDER, queries.INFLOW_ORDER}
    if isinstance(members, SqliteCollection):
        for query in read:
            plan = sqlite_plan(members._store.path, query)
            assert not any("TEMP B-TREE" in line for line in plan), plan


async def test_each_side_read_with_its_narrowed_scope_finds_what_the_whole_filter_finds(
    platform: Platform,
) -> None:
    p = platform
    w = await world(p)
    branch, site = await _yuhang_branch_with_a_site(p, w)
    prefix = f"窄{uuid.uuid4().hex[:6]}"
    for suffix in "甲乙丙":  # Yuexi members: at home, flowed into the AI town, into the branch
        member, _ = await register(p, w, name=prefix + suffix)
        if suffix != "甲":
            move = {"reason_code": "work", "destination": "余杭区", "expected_months": 6}
            body = {**move, "site_id": w.site if suffix == "乙" else site}
            moved = await p.client.post(f"{API}/{member}/outflow", json=body, headers=w.yuexi_admin)
            assert moved.status_code == 200, moved.text
    born = random_birth()
    body = {"id_number": id_number(born, "330110"), "home_org_id": branch}
    body["profile"] = profile(born, name=prefix + "丁")  # a member of the Yuhang branch
    made = await p.client.post(API, json=body, headers=w.yuhang_admin)
    assert made.status_code == 201, made.text
    worst = ["yuhang-ai-town-committee", "yuhang-mobile-committee", "yuhang-county-committee"]
    principals = [
        Principal(
            subject="t", role="site_staff", county="yuhang", organisations=worst, site_id=site
        ),
        Principal(subject="t", role="site_staff", county="yuhang", site_id=w.site),
        Principal(subject="t", role="org_admin", county="yuhang", organisations=(branch,)),
        Principal(subject="t", role="county_admin", county="yuexi"),
        Principal(subject="t", role="county_admin", county="yuhang"),
    ]
    orgs = [w.branch, branch, "yuhang-ai-town-committee", "yuexi-county-committee"]
    orgs.append("yuhang-county-committee")
    members = p.registry.stores.members.collection
    found, narrowed = 0, 0
    # the principals' scopes: every branch kind (own subtree, inflow subtree, site, county,
    # partner counties); organisations: one (a side per index) and committees (paths as $in)
    code = purpose_of(None)
    pairs = [(principal, org_id) for principal in principals for org_id in orgs]
    counties: list[str | None] = [None, "yuexi", "yuhang"]
    if isinstance(members, SqliteCollection):
        combos = [(pr, org_id, county) for pr, org_id in pairs for county in counties]
    else:
        # on the server (FerretDB: each whole filter is read by a scan, ~1-3 s) every principal
        # with every organisation, the county filter taken in turn; the store's full product
        # is the embedded run's (CI time: this test alone took 200 s on the server)
        combos = [(pr, org_id, counties[n % 3]) for n, (pr, org_id) in enumerate(pairs)]
    for principal, org_id, county in combos:
        search = queries.MemberSearch(name=prefix, org_id=org_id, county=county)
        query = await queries.search_query(p.registry, principal, search, code)
        org = await queries.get_organisation(p.registry, org_id)
        paths = await queries.subtree_paths(p.registry, org)
        scope = await member_branches(p.registry, principal, code)
        whole = all_of(scope, *queries.search_filters(p.registry, search, org, paths))
        expected = sorted(d["_id"] for d in await members.find(whole, fields=["version"]))
        got = await members.find(query.where, fields=["version"])
        assert sorted(d["_id"] for d in got) == expected, (principal, org_id, county)
        found += len(expected)
        narrowed += query.where != whole
    assert found and narrowed  # the searches find files, and the sides' scopes were narrowed


def test_pages_of_several_branches_merge_in_name_order_each_file_once() -> None:
    def doc(name: str, member_id: str) -> dict[str, Any]:
        return {"_id": member_id, "state": {"profile": {"name": name}}}

    outflow_side = [doc("丙", "m4"), doc("乙", "m1"), doc("乙", "m3")]  # 丙 < 乙 < 甲
    inflow_side = [doc("乙", "m2"), doc("乙", "m3"), doc("甲", "m5")]

    merged = queries.merge_in_name_order([outflow_side, inflow_side])

    assert [d["_id"] for d in merged] == ["m4", "m1", "m2", "m3", "m5"]


async def test_a_name_pasted_with_its_spaces_finds_the_member(platform: Platform) -> None:
    """A name copied from a roster cell (赵敏 and a space, a full-width one too) found no one."""
    p = platform
    w = await world(p)
    name = f"搜{uuid.uuid4().hex[:6]}"
    await register(p, w, name=name)
    for typed in (f" {name} ", f"{name}\u3000", f"\t{name[:2]}"):
        assert await _names(p, {"name": typed}, w.yuexi_admin) == [name]
    blank = await p.client.get(API, params={"name": "\u3000 "}, headers=w.yuexi_admin)
    unfiltered = await p.client.get(API, headers=w.yuexi_admin)
    assert blank.json()["total"] == unfiltered.json()["total"] >= 1


async def test_a_name_with_a_rare_character_is_found_by_its_surname(platform: Platform) -> None:
    """A name whose next character is outside the Basic Multilingual Plane (生僻字 such as 𠮷,
    CJK Extension B) was not found by the characters before it: 檀 found 檀明, not 檀𠮷."""
    p = platform
    w = await world(p)
    surname = f"檀{uuid.uuid4().hex[:4]}"
    for given in ("𠮷", "明", "\U0003134a"):
        await register(p, w, name=surname + given)
    found = await _names(p, {"name": surname}, w.yuexi_admin)
    assert found == sorted([surname + "𠮷", surname + "明", surname + "\U0003134a"])
    assert await _names(p, {"name": surname + "𠮷"}, w.yuexi_admin) == [surname + "𠮷"]
    # a prefix ending with the last character before the surrogates, or the last one of all
    for odd in ("\ud7ff", "\U0010ffff"):
        response = await p.client.get(API, params={"name": surname + odd}, headers=w.yuexi_admin)
        assert response.status_code == 200 and response.json()["total"] == 0, response.text


def test_a_prefix_range_holds_exactly_the_texts_starting_with_it() -> None:
    texts = ["檀", "檀明", "檀𠮷", "檀\U0010ffff", "檀\U0010ffff明", "檁", "檀\ud7ff", "檀\ue000"]
    for prefix in ("檀", "檀\ud7ff", "檀\U0010ffff", "\U0010ffff"):
        bounds = queries.prefix_range(prefix)
        inside = [
            t for t in texts if bounds["$gte"] <= t and ("$lt" not in bounds or t < bounds["$lt"])
        ]
        assert inside == [t for t in texts if t.startswith(prefix)], prefix
