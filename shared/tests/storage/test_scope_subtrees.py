"""The organisation-subtree scope of org admins and site staff (``warmflow_shared.scope``), read
from a copy of the registry's organisations and applied to a member copy, on every backend."""

from __future__ import annotations

from typing import Any

from warmflow_shared.auth.principal import Principal
from warmflow_shared.scope import organisations_of, sees_member, subtree_where
from warmflow_shared.storage.port import DocumentStore, IndexSpec

# county → two towns → a branch each, and another county's organisation
TREE = {
    "yh": ("yuhang", None),
    "ai-town": ("yuhang", "yh"),
    "ai-b1": ("yuhang", "ai-town"),
    "lz-town": ("yuhang", "yh"),
    "lz-b1": ("yuhang", "lz-town"),
    "yx-b1": ("yuexi", None),
}


def _doc(doc_id: str, state: dict[str, Any]) -> dict[str, Any]:
    return {"_id": doc_id, "version": 1, "state": state}


def _member(member_id: str, home: str, inflow: str | None = None, site: str | None = None) -> Any:
    return _doc(member_id, {
        "member_id": member_id, "outflow_org_id": home, "outflow_county": TREE[home][0],
        "inflow_org_id": inflow, "inflow_county": TREE[inflow][0] if inflow else None,
        "home_site_id": site,
    })  # fmt: skip


def _staff(role: str, *orgs: str, site: str | None = None) -> Principal:
    return Principal(subject="s", role=role, county="yuhang", organisations=orgs, site_id=site)  # type: ignore[arg-type]


async def test_org_admins_and_site_staff_see_their_subtrees_and_site(store: DocumentStore) -> None:
    organisations = store.collection("organisations")
    await organisations.ensure_indexes([IndexSpec(("state.parent_id",))])
    await organisations.insert_many([
        _doc(org, {"org_id": org, "county": county, "parent_id": parent})
        for org, (county, parent) in TREE.items()
    ])  # fmt: skip
    members = store.collection("members")
    await members.insert_many([
        _member("ours", "ai-b1"), _member("arrived", "yx-b1", "ai-b1"),
        _member("theirs", "lz-b1"), _member("at-site", "lz-b1", "lz-b1", site="ai-home"),
    ])  # fmt: skip
    org_admin = _staff("org_admin", "ai-town", "yx-b1")  # another county's id gives nothing
    window = _staff("site_staff", "ai-town", site="ai-home")
    county = Principal(subject="c", role="county_admin", county="yuhang")
    # a token whose site is another county's (Yuhang's ai-home named on a Yuexi token) saw the
    # members checked in there
    crossed = Principal(subject="x", role="site_staff", county="yuexi", site_id="ai-home")
    assert await organisations_of(organisations, org_admin) == {"ai-town", "ai-b1"}
    assert await organisations_of(organisations, county) is None
    expected = {
        org_admin: {"ours", "arrived"},
        window: {"ours", "arrived", "at-site"},
        county: {"ours", "arrived", "theirs", "at-site"},
        crossed: set[str](),
    }
    for principal, seen in expected.items():
        orgs = await organisations_of(organisations, principal)
        where = subtree_where(principal, orgs) or {}
        listed = {d["_id"] for d in await members.find(where)}
        each = {
            d["_id"]
            for d in await members.find({})
            if sees_member(principal, d["state"], agreements=None, orgs=orgs)
        }
        assert listed == each == seen, principal.role
    # an organisation-bound role whose organisations were not read sees no one (fails closed)
    [ours] = await members.get_many(["ours"])
    assert not sees_member(org_admin, ours["state"], agreements=None, orgs=None)
