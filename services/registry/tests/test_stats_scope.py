"""The dashboard's figures count whom the work lists show: another county's member on the inflow
side only under an agreement in force, from the moment it is signed until it ends.

On the real servers the database is shared between runs: the organisation and site are the
test's own (their figures exact), the county's figures are compared before and after, and the
agreement is revoked in ``finally``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from warmflow_registry.domain.timezones import local_date

from .conftest import Platform, eventually
from .ids import id_number, profile, random_birth

API = "/api/registry"
Headers = dict[str, str]


async def _post(p: Platform, url: str, body: Any, headers: Headers, code: int = 201) -> Any:
    response = await p.client.post(f"{API}{url}", json=body, headers=headers)
    assert response.status_code == code, response.text
    return response.json()


async def _get(p: Platform, url: str, headers: Headers) -> Any:
    response = await p.client.get(f"{API}{url}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _admin(p: Platform, county: str) -> Headers:
    return p.headers("county_admin", county, orgs=[f"{county}-county-committee"])


async def _org(p: Platform, county: str, admin: Headers, uid: str) -> str:
    org = {"id": f"{county}-st-{uid}", "code": f"ST{county[:2].upper()}{uid}", "name": "某村党支部"}
    org |= {"type_code": "branch", "county": county, "parent_id": f"{county}-county-committee"}
    return str((await _post(p, "/organisations", org, admin))["id"])


async def _away_member(p: Platform, branch: str, site: str, admin: Headers) -> str:
    born = random_birth()
    body = {"id_number": id_number(born), "home_org_id": branch, "profile": profile(born)}
    member = str((await _post(p, "/members", body, admin))["id"])
    leave = {"reason_code": "work", "destination": "安徽省安庆市岳西县", "expected_months": 12}
    await _post(p, f"/members/{member}/outflow", {**leave, "site_id": site}, admin, 200)
    return member


async def _figure(p: Platform, url: str, worklist: str, headers: Headers) -> tuple[int, int]:
    """The dashboard's 报到逾期 and the total of its work list, for one caller."""
    counts = (await _get(p, url, headers))["counts"]
    return counts["overdue"], (await _get(p, f"/worklists/{worklist}", headers))["total"]


async def _agreement(p: Platform, home: Headers, host: Headers) -> str:
    today = local_date(p.clock.now)
    terms = {
        "parties": ["yuexi", "songyang"],
        "purposes": ["management"],
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=30)).isoformat(),
    }
    agreement = str((await _post(p, "/agreements", terms, host))["id"])
    for admin in (host, home):
        await _post(p, f"/agreements/{agreement}/approve", None, admin, 200)
    return agreement


async def _ends(p: Platform, agreement: str, admin: Headers) -> None:
    await p.client.post(f"{API}/agreements/{agreement}/revoke", json={}, headers=admin)


async def test_the_inflow_side_counts_another_county_s_member_only_under_an_agreement(
    platform: Platform,
) -> None:
    p, uid = platform, uuid.uuid4().hex[:8]
    songyang, yuexi = _admin(p, "songyang"), _admin(p, "yuexi")
    branch = await _org(p, "songyang", songyang, uid)
    town = await _org(p, "yuexi", yuexi, uid)
    site = {"id": f"yuexi-ss-{uid}", "name": "某镇暖流之家", "level": "village_site"}
    site |= {"county": "yuexi", "org_id": town, "services": ["报到"]}
    await _post(p, "/sites", site, yuexi)
    member = await _away_member(p, branch, site["id"], songyang)
    p.clock.advance(days=31, hours=1)
    await p.fire_deadlines()
    await eventually(
        lambda: _get(p, f"/members/{member}", songyang), lambda f: f["check_in_overdue"]
    )
    org_admin = p.headers("org_admin", "yuexi", orgs=[town])
    staff = p.headers("site_staff", "yuexi", site_id=site["id"])
    views: list[tuple[str, Headers]] = [
        (f"/stats/organisations/{town}", org_admin),
        (f"/stats/sites/{site['id']}", staff),
    ]
    # the home side counts its member whatever the agreements say
    await eventually(
        lambda: _get(p, f"/stats/organisations/{branch}", songyang),
        lambda seen: seen["counts"]["overdue"] == 1,
    )

    async def figures() -> list[tuple[int, int]]:
        return [await _figure(p, url, "overdue-checkins", h) for url, h in views]

    # no Songyang–Yuexi agreement: Yuexi's organisation and site neither list nor count them
    assert await figures() == [(0, 0), (0, 0)]
    county = await _figure(p, "/stats/counties/yuexi", "overdue-checkins", yuexi)
    agreement = await _agreement(p, songyang, yuexi)

    async def signed() -> None:
        assert await figures() == [(1, 1), (1, 1)]
        now = await _figure(p, "/stats/counties/yuexi", "overdue-checkins", yuexi)
        assert (now[0] - county[0], now[1] - county[1]) == (1, 1)
        await _ends(p, agreement, songyang)
        assert await figures() == [(0, 0), (0, 0)]
        assert await _figure(p, "/stats/counties/yuexi", "overdue-checkins", yuexi) == county

    await _revoking(p, agreement, yuexi, signed)


async def _revoking(
    p: Platform, agreement: str, admin: Headers, body: Callable[[], Awaitable[None]]
) -> None:
    try:
        await body()
    finally:
        await _ends(p, agreement, admin)
