"""The demo organisations have contacts (名称/电话), so a transfer letter rendered from demo data
names whom to call instead of 未登记; a re-seed fills in stores seeded before they had them."""

from __future__ import annotations

from warmflow_registry.entrypoints import demo_data
from warmflow_registry.entrypoints.demo_seed import seed_structure
from warmflow_registry.service_layer.commands import UpdateOrganisation
from warmflow_registry.service_layer.organisations import get_organisation, update_organisation
from warmflow_shared.storage.port import Update

from .conftest import Platform

HAND_SET = ("王书记", "0556-8123456")


def _expected() -> dict[str, tuple[str, str]]:
    orgs = {o.id: demo_data.contact_of(o.id, o.county) for o in demo_data.organisations()}
    presets = demo_data.PRESET_ORGANISATIONS.items()
    return orgs | {org_id: demo_data.contact_of(org_id, county) for org_id, county in presets}


async def _contacts(p: Platform) -> dict[str, tuple[str | None, str | None]]:
    found = {}
    for org_id in _expected():
        org = await get_organisation(p.registry, org_id)
        found[org_id] = (org.contact_name, org.contact_phone)
    return found


async def test_a_reseed_fills_in_organisations_seeded_without_contacts(platform: Platform) -> None:
    """Seeded before the demo had contacts (the stored organisations have none), one since given
    its contact by staff: a re-seed fills in the others, keeps that one, and a third seed
    changes nothing. (The servers' store outlives a test: the structure may be there already.)"""
    p = platform
    await seed_structure(p.registry)
    stripped = Update(unset=["state.contact_name", "state.contact_phone"])
    for org_id in _expected():
        assert await p.registry.stores.organisations.collection.update(org_id, stripped)
        assert (await get_organisation(p.registry, org_id)).contact_phone is None
    kept = "yuexi-demo-branch"
    name, phone = HAND_SET
    await update_organisation(
        p.registry, kept, UpdateOrganisation(contact_name=name, contact_phone=phone)
    )

    await seed_structure(p.registry)
    found = await _contacts(p)
    assert found == _expected() | {kept: HAND_SET}
    phones = [phone for org_id, (_, phone) in found.items() if org_id != kept]
    assert all(phone and phone.startswith(("0571-", "0556-", "0578-")) for phone in phones)
    assert len(set(phones)) == len(phones)  # each its own office line
    before = {o_id: (await get_organisation(p.registry, o_id)).model_dump() for o_id in found}
    await seed_structure(p.registry)
    after = {o_id: (await get_organisation(p.registry, o_id)).model_dump() for o_id in found}
    assert after == before
