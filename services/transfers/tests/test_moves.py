"""Every step that a state does not allow is refused with 409 and a Chinese reason."""

from __future__ import annotations

from typing import Any

from warmflow_shared.events.catalog.registry import ORGANISATION_TOPIC, OrganisationCreated

from .flow import SIDE_OF, act, apply, new_case, walk
from .support import PROVINCES, World

LEGAL: dict[str, set[str]] = {
    "submitted": {"approve", "return", "reject", "cancel"},
    "returned": {"resubmit", "cancel"},
    "approved": {"issue-letter", "cancel"},
    "letter_issued": {"extend", "report", "reissue", "cancel"},
    "reported": {"accept"},
    "accepted": {"receipt"},
    "receipt_returned": {"complete"},
    "completed": set(),
    "rejected": set(),
    "cancelled": set(),
}


async def _refuses_all_but_legal(world: World, case: dict[str, Any]) -> int:
    refused = 0
    for action in sorted(set(SIDE_OF) - LEGAL[case["status"]]):
        response = await act(world, case, action)
        assert response.status_code == 409, (case["status"], action, response.text)
        assert response.json()["detail"], action
        refused += 1
    current = await world.client.get(f"/cases/{case['id']}", headers=world.admin("songyang"))
    assert current.json()["status"] == case["status"]  # nothing moved
    return refused


async def test_every_illegal_move_is_409_and_changes_nothing(world: World) -> None:
    case = await new_case(world, f"{world.name}-a", "songyang")
    refused = await _refuses_all_but_legal(world, case)
    case = (await act(world, case, "return")).json()
    refused += await _refuses_all_but_legal(world, case)
    case = (await act(world, case, "resubmit")).json()
    for state in ("approved", "letter_issued", "reported", "accepted", "receipt_returned"):
        case = await walk(world, case, state)
        refused += await _refuses_all_but_legal(world, case)
    case = await walk(world, case, "completed")
    refused += await _refuses_all_but_legal(world, case)
    rejected = await new_case(world, f"{world.name}-b", "songyang")
    refused += await _refuses_all_but_legal(world, (await act(world, rejected, "reject")).json())
    cancelled = await new_case(world, f"{world.name}-c", "songyang")
    refused += await _refuses_all_but_legal(world, (await act(world, cancelled, "cancel")).json())
    assert refused == sum(len(set(SIDE_OF) - legal) for legal in LEGAL.values())


async def test_the_wrong_side_is_forbidden(world: World) -> None:
    case = await new_case(world, f"{world.name}-d", "yuexi")
    receiving = world.admin("yuhang")
    url = f"/cases/{case['id']}"
    approve = await world.client.post(f"{url}/approve", headers=receiving)
    assert approve.status_code == 403 and "转出方" in approve.json()["detail"]
    case = await walk(world, case, "reported")
    branch = {"branch_id": world.org("yuhang")}
    accept = await world.client.post(f"{url}/accept", json=branch, headers=world.admin("yuexi"))
    assert accept.status_code == 403 and "接收方" in accept.json()["detail"]
    window = world.token("site_staff", "yuhang")
    accepted = await world.client.post(f"{url}/accept", json=branch, headers=window)
    assert accepted.status_code == 200


async def _another_town(world: World, county: str) -> str:
    """A second town committee of ``county`` with a branch of its own under it."""
    town = f"{world.name}-{county}-town2"
    for org_id, type_code, parent in ((town, "town", None), (f"{town}-b1", "branch", town)):
        event = OrganisationCreated(
            org_id=org_id, code=org_id[-8:].upper(), name=f"{org_id}党组织", type_code=type_code,
            parent_id=parent, county=county, province=PROVINCES[county],
        )  # fmt: skip
        await world.publish(ORGANISATION_TOPIC, event, org_id)
    await world.until(lambda: world.ctx.organisations.get(f"{town}-b1"))
    return town


async def test_org_admins_and_site_staff_act_only_for_their_own_organisations(
    world: World,
) -> None:
    """Staff bound to another town's committee of the same county (as the registry scopes their
    members) neither see the case nor apply for, approve or accept it; their own town's do."""
    strangers = {
        "yuexi": world.token("org_admin", "yuexi", orgs=(await _another_town(world, "yuexi"),)),
        "yuhang": world.token("site_staff", "yuhang", orgs=(await _another_town(world, "yuhang"),)),
    }
    member = await world.seed_member(f"{world.name}-o", "yuexi")
    refused = await apply(world, member, headers=strangers["yuexi"])
    assert refused.status_code == 403 and "转出" in refused.json()["detail"]
    applied = await apply(world, member, headers=world.token("org_admin", "yuexi"))
    assert applied.status_code == 201, applied.text
    case = applied.json()
    url = f"/cases/{case['id']}"
    for stranger in strangers.values():
        assert (await world.client.get(url, headers=stranger)).status_code == 404
        assert (await world.client.get(f"{url}/letter.pdf", headers=stranger)).status_code == 404
        listed = (await world.client.get("/cases", headers=stranger)).json()
        worklist = (await world.client.get("/worklist", headers=stranger)).json()
        assert case["id"] not in [c["id"] for c in listed] + [i["case_id"] for i in worklist]
    approve = await world.client.post(f"{url}/approve", headers=strangers["yuexi"])
    assert approve.status_code == 404  # out of scope: as if there were no such case
    approved = await world.client.post(f"{url}/approve", headers=world.token("org_admin", "yuexi"))
    assert approved.status_code == 200, approved.text
    case = await walk(world, approved.json(), "reported")
    branch = {"branch_id": world.org("yuhang")}
    accept = await world.client.post(f"{url}/accept", json=branch, headers=strangers["yuhang"])
    assert accept.status_code == 404
    window = world.token("site_staff", "yuhang")  # a window of the receiving branch's town
    assert (await world.client.get(url, headers=window)).json()["status"] == "reported"
    accepted = await world.client.post(f"{url}/accept", json=branch, headers=window)
    assert accepted.status_code == 200, accepted.text


async def test_the_member_is_placed_only_in_a_branch_of_the_receiver(world: World) -> None:
    case = await walk(world, await new_case(world, f"{world.name}-p", "yuexi"), "reported")
    url, window = f"/cases/{case['id']}/accept", world.token("site_staff", "yuhang")
    for branch_id, reason in (
        ("nowhere-branch", "不存在"),
        (world.org("yuhang", "committee"), "不是党支部"),
        (world.org("songyang"), "不属于接收党组织"),
    ):
        refused = await world.client.post(url, json={"branch_id": branch_id}, headers=window)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "body.branch_id" and reason in error["reason"]
    assert (await world.client.get(f"/cases/{case['id']}", headers=window)).json()["status"] == (
        "reported"
    )
