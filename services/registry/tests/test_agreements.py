"""Data-sharing agreements through the gateway: the seeded ones, cross-county reads under them,
the lifecycle (both parties approve, revoke) and expiry by the clock.

On the real servers the database is shared between runs, so agreements a test creates use a
purpose of their own (talent, industry) and are revoked in ``finally``: a leftover cannot widen
the management reads other tests check.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from warmflow_registry.domain import agreements as dom
from warmflow_registry.domain.agreements import DEFAULT_FIELDS, Agreement, Approval, Revocation
from warmflow_registry.domain.errors import InvalidData
from warmflow_registry.domain.presets import SEEDED_AGREEMENTS
from warmflow_registry.domain.timezones import CHINA, local_date
from warmflow_registry.service_layer.events import agreement_events
from warmflow_shared.errors import RuleBroken

from .conftest import Platform, eventually
from .ids import id_number, profile, random_birth

API = "/api/registry"
Headers = dict[str, str]


@dataclass
class County:
    name: str
    admin: Headers


def county(p: Platform, name: str) -> County:
    return County(name, p.headers("county_admin", name, orgs=[f"{name}-county-committee"]))


async def _post(p: Platform, url: str, body: Any, headers: Headers, code: int = 201) -> Any:
    response = await p.client.post(f"{API}{url}", json=body, headers=headers)
    assert response.status_code == code, response.text
    return response.json()


async def mobile_member(p: Platform, home: County, host: County) -> tuple[str, Headers]:
    """A member of a new ``home`` branch, checked in at a new ``host`` site; the site's staff."""
    uid = uuid.uuid4().hex[:8]
    branch = {"id": f"{home.name}-b-{uid}", "code": f"B{uid}", "name": "某村党支部"}
    branch |= {"type_code": "branch", "county": home.name}
    await _post(
        p, "/organisations", {**branch, "parent_id": f"{home.name}-county-committee"}, home.admin
    )
    site: dict[str, Any] = {
        "id": f"{host.name}-s-{uid}",
        "name": "某街道暖流之家",
        "level": "village_site",
    }
    site |= {"county": host.name, "org_id": f"{host.name}-county-committee", "services": ["报到"]}
    await _post(p, "/sites", site, host.admin)
    born = random_birth()
    body = {"id_number": id_number(born), "home_org_id": branch["id"], "profile": profile(born)}
    member = (await _post(p, "/members", body, home.admin))["id"]
    await settled(p, member)
    leave = {"reason_code": "work", "destination": "外地", "expected_months": 12}
    await _post(p, f"/members/{member}/outflow", {**leave, "site_id": site["id"]}, home.admin, 200)
    await settled(p, member)
    staff = p.headers("site_staff", host.name, site_id=site["id"])
    code = await p.client.get(f"{API}/sites/{site['id']}/checkin-code", headers=staff)
    me = p.headers("member", home.name, member_id=member)
    await _post(p, "/checkin", {"code": code.json()["code"]}, me, 200)
    return member, staff


async def settled(p: Platform, member: str) -> None:
    """Wait until a relay has published the file's events and left the document alone.

    On shared servers another test process's relay may publish them; FerretDB v1 can lose
    one of two concurrent updates of a document made by different processes.
    """

    async def pending() -> bool:
        doc = await p.registry.stores.members.collection.get(member)
        return bool(doc and doc["_pending"])

    await eventually(pending, lambda waiting: not waiting)


async def read(p: Platform, member: str, headers: Headers, purpose: str | None = None) -> Any:
    extra = {"X-Purpose": purpose} if purpose else {}
    return await p.client.get(f"{API}/members/{member}", headers={**headers, **extra})


async def sent(p: Platform, agreement: str) -> tuple[int, bool]:
    """How many of the agreement's events the bus acknowledged, and whether any still wait.

    On shared servers any instance's relay may publish them, so the outbox is what to watch.
    """
    doc = await p.registry.stores.agreements.collection.get(agreement)
    assert doc is not None
    return doc["_sent_seq"], doc["_pending"]


async def test_the_seeded_agreements_are_active_and_visible_to_their_parties(
    platform: Platform,
) -> None:
    p = platform
    yuhang, yuexi = county(p, "yuhang"), county(p, "yuexi")
    for agreement_id in ("yuhang-yuexi-2024", "yuhang-songyang-2024"):
        shown = await p.client.get(f"{API}/agreements/{agreement_id}", headers=yuhang.admin)
        assert shown.status_code == 200
        body = shown.json()
        assert body["status"] == "active" and len(body["approvals"]) == 2
        assert set(body["purposes"]) == {"hardship_aid", "industry", "talent", "management"}
        assert all("id_number" not in fields for fields in body["fields"].values())
    other = await p.client.get(f"{API}/agreements/yuhang-songyang-2024", headers=yuexi.admin)
    assert other.status_code == 404
    listed = await p.client.get(f"{API}/agreements", headers=yuexi.admin, params={"size": 200})
    assert all("yuexi" in item["parties"] for item in listed.json()["items"])
    auditor = p.headers("auditor")
    audited = await p.client.get(f"{API}/agreements/yuhang-songyang-2024", headers=auditor)
    assert audited.status_code == 200
    staff = p.headers("site_staff", "yuhang", site_id="yuhang-ai-town-home")
    assert (await p.client.get(f"{API}/agreements", headers=staff)).status_code == 403


async def test_cross_county_reads_need_an_agreement_and_see_its_fields_only(
    platform: Platform,
) -> None:
    p = platform
    yuhang, yuexi, songyang = (county(p, c) for c in ("yuhang", "yuexi", "songyang"))
    stranger, yuexi_staff = await mobile_member(p, songyang, yuexi)
    for headers in (yuexi_staff, yuexi.admin):
        assert (await read(p, stranger, headers)).status_code == 404
    assert (await read(p, stranger, songyang.admin)).json()["profile"]["residence"]
    member, yuhang_staff = await mobile_member(p, yuexi, yuhang)
    home = (await read(p, member, yuexi.admin)).json()
    assert home["profile"]["residence"] and home["id_number"] and home["history"]
    shared = (await read(p, member, yuhang_staff)).json()
    assert shared["name"] == home["name"] and shared["status"] == "checked_in"
    assert shared["profile"]["phone"] and shared["profile"]["free_time"]
    for hidden in ("residence", "birth_date", "household_registration"):
        assert shared["profile"][hidden] is None
    assert shared["id_number"] is None and shared["history"] is None
    aid = (await read(p, member, yuhang.admin, "hardship_aid")).json()
    assert aid["profile"]["residence"] == home["profile"]["residence"]
    assert aid["id_number"] is None
    bad = await read(p, member, yuhang.admin, "curiosity")
    assert bad.status_code == 422
    search = await p.client.get(f"{API}/members", headers=yuexi_staff)
    assert stranger not in [row["id"] for row in search.json()["items"]]
    found = await p.client.get(
        f"{API}/members", params={"name": home["name"]}, headers=yuhang_staff
    )
    row = next(r for r in found.json()["items"] if r["id"] == member)
    assert row["name"] == home["name"] and row["id_number"] is None
    log = await p.client.get(
        f"{API}/audit", params={"member_id": member}, headers=p.headers("auditor")
    )
    reads = [e for e in log.json()["items"] if e["action"] == "read_file"]
    seen = {e["purpose"]: e["fields"] for e in reads if e["county"] == "yuhang"}
    assert "residence" not in seen["management"] and "checkin_location" in seen["management"]
    assert "residence" in seen["hardship_aid"]


async def test_the_inflow_county_cannot_edit_a_file_it_sees_as_an_agreement_shares_it(
    platform: Platform,
) -> None:
    """Yuhang read a Yuexi member's file with the fields the agreement does not share as null,
    and could save that view back (PUT with the birth date, which it may know from the person):
    the home side's ethnicity, education, 入党日期, residence, … were cleared, unnoticed (a
    partner view carries no profile_revision, so no If-Match). The home county edits the file."""
    p = platform
    yuhang, yuexi = county(p, "yuhang"), county(p, "yuexi")
    member, _ = await mobile_member(p, yuexi, yuhang)
    home = (await read(p, member, yuexi.admin)).json()
    shared = (await read(p, member, yuhang.admin)).json()
    assert shared["profile_revision"] is None and shared["profile"]["residence"] is None
    view = {**shared["profile"], "birth_date": home["profile"]["birth_date"], "name": "改名"}
    edit = {"profile": {k: v for k, v in view.items() if v is not None}}
    url = f"{API}/members/{member}"
    refused = await p.client.put(url, json=edit, headers=yuhang.admin)
    assert refused.status_code == 403, refused.text
    assert "户籍地" in refused.json()["detail"]
    after = (await read(p, member, yuexi.admin)).json()
    assert after["profile"] == home["profile"]
    assert after["profile_revision"] == home["profile_revision"]
    own = {"profile": {**home["profile"], "post": "支部委员"}}
    revision = {"If-Match": home["profile_revision"]}
    saved = await p.client.put(url, json=own, headers={**yuexi.admin, **revision})
    assert saved.status_code == 200, saved.text


async def _terms(p: Platform, purpose: str, days: int = 365) -> dict[str, Any]:
    today = local_date(p.clock.now)
    until = today.fromordinal(today.toordinal() + days)
    return {
        "parties": ["yuexi", "songyang"],
        "purposes": [purpose],
        "valid_from": today.isoformat(),
        "valid_until": until.isoformat(),
    }


async def revoking(p: Platform, agreement: str, body: Callable[[], Awaitable[None]]) -> None:
    try:
        await body()
    finally:
        await p.client.post(
            f"{API}/agreements/{agreement}/revoke", json={}, headers=county(p, "yuexi").admin
        )


async def test_both_parties_approve_then_a_revocation_cuts_access(platform: Platform) -> None:
    p = platform
    yuhang, yuexi, songyang = (county(p, c) for c in ("yuhang", "yuexi", "songyang"))
    member, yuexi_staff = await mobile_member(p, songyang, yuexi)
    refused = await p.client.post(
        f"{API}/agreements", json=await _terms(p, "talent"), headers=yuhang.admin
    )
    assert refused.status_code == 403
    proposed = await _post(p, "/agreements", await _terms(p, "talent"), yuexi.admin)
    agreement = proposed["id"]
    url = f"/agreements/{agreement}"

    async def lifecycle() -> None:
        assert proposed["status"] == "proposed"
        assert (await p.client.get(f"{API}{url}", headers=yuhang.admin)).status_code == 404
        third = await p.client.post(f"{API}{url}/approve", headers=yuhang.admin)
        assert third.status_code == 403
        once = await _post(p, f"{url}/approve", None, yuexi.admin, 200)
        assert once["status"] == "proposed"
        assert (await read(p, member, yuexi_staff, "talent")).status_code == 404
        twice = await p.client.post(f"{API}{url}/approve", headers=yuexi.admin)
        assert twice.status_code == 409 and "不能重复批准" in twice.json()["detail"]
        both = await _post(p, f"{url}/approve", None, songyang.admin, 200)
        assert both["status"] == "active"
        shared = (await read(p, member, yuexi_staff, "talent")).json()
        assert shared["profile"]["skills"] and shared["profile"]["contacts"] is None
        assert (await read(p, member, yuexi_staff)).status_code == 404  # management: none
        await eventually(lambda: sent(p, agreement), lambda seen: seen == (4, False))
        gone = await _post(p, f"{url}/revoke", {"reason": "合作结束"}, songyang.admin, 200)
        assert gone["status"] == "revoked"
        assert (await read(p, member, yuexi_staff, "talent")).status_code == 404
        again = await p.client.post(f"{API}{url}/approve", headers=yuexi.admin)
        assert again.status_code == 409 and "已撤销" in again.json()["detail"]

    await revoking(p, agreement, lifecycle)


async def test_an_expired_agreement_cuts_access_at_once(platform: Platform) -> None:
    p = platform
    yuexi, songyang = county(p, "yuexi"), county(p, "songyang")
    member, yuexi_staff = await mobile_member(p, songyang, yuexi)
    agreement = (await _post(p, "/agreements", await _terms(p, "industry", 0), yuexi.admin))["id"]

    async def expiry() -> None:
        for admin in (yuexi.admin, songyang.admin):
            await _post(p, f"/agreements/{agreement}/approve", None, admin, 200)
        assert (await read(p, member, yuexi_staff, "industry")).status_code == 200
        p.clock.advance(days=1)
        assert (await read(p, member, yuexi_staff, "industry")).status_code == 404
        shown = await p.client.get(f"{API}/agreements/{agreement}", headers=yuexi.admin)
        assert shown.json()["status"] == "expired"

    await revoking(p, agreement, expiry)


def _seeded(at: datetime) -> Agreement:
    preset = {**SEEDED_AGREEMENTS[0], "fields": DEFAULT_FIELDS, "status": "active"}
    return Agreement.model_validate({**preset, "proposed_by": _by("yuhang", at)})


def _by(county: str, at: datetime) -> dict[str, Any]:
    return {"county": county, "subject": "t", "at": at}


def test_each_party_approves_once_and_the_second_approval_activates() -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    agreement = _seeded(at).model_copy(update={"approvals": [], "status": "proposed"})
    first = dom.approve(agreement, Approval.model_validate(_by("yuexi", at)))
    assert [e.wire_name for e in agreement_events(agreement, first)] == [
        "registry.AgreementApproved"
    ]
    with pytest.raises(RuleBroken, match="不能重复批准"):
        dom.approve(agreement, Approval.model_validate(_by("yuexi", at)))
    second = dom.approve(agreement, Approval.model_validate(_by("yuhang", at)))
    published = agreement_events(agreement, second)
    assert [e.wire_name for e in published][-1] == "registry.AgreementActivated"
    assert agreement.status == "active"
    dom.revoke(agreement, Revocation.model_validate(_by("yuhang", at)))
    with pytest.raises(RuleBroken, match="已撤销"):
        dom.revoke(agreement, Revocation.model_validate(_by("yuexi", at)))


def test_the_seeded_agreement_ends_at_local_midnight_after_its_last_day() -> None:
    last_day = date.fromisoformat(str(SEEDED_AGREEMENTS[0]["valid_until"]))
    midnight = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=CHINA)
    agreement = _seeded(midnight - timedelta(days=30))
    before = dom.shared_fields([agreement], "management", midnight - timedelta(seconds=1))
    assert "free_time" in before and "residence" not in before
    assert dom.shared_fields([agreement], "management", midnight) == frozenset()


def test_terms_never_share_the_id_number_and_dates_must_be_in_order() -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    bad = _seeded(at).model_copy(
        update={"fields": {"talent": ["name", "id_number"]}, "valid_until": date(2023, 1, 1)}
    )
    with pytest.raises(InvalidData) as caught:
        dom.draft(bad, at)
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {"fields.talent", "valid_until"}


@pytest.mark.parametrize(
    ("valid_from", "last_day"),
    [(date(2025, 3, 1), date(2035, 2, 28)), (date(2024, 2, 29), date(2034, 2, 28))],
)
def test_an_agreement_runs_ten_years_at_most(valid_from: date, last_day: date) -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    terms = {"valid_from": valid_from, "valid_until": last_day}
    assert dom.draft(_seeded(at).model_copy(update=terms), at).valid_until == last_day
    for too_late in (last_day + timedelta(days=1), date(9999, 12, 31)):
        forever = _seeded(at).model_copy(update={**terms, "valid_until": too_late})
        with pytest.raises(InvalidData) as caught:
            dom.draft(forever, at)
        [problem] = caught.value.problems
        assert problem.field == "valid_until" and last_day.isoformat() in problem.reason
