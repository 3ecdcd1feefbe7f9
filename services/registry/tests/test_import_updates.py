"""A roster imported again with changes: the changed files are written together at the chunk's
end, each its state and its event in one conditional write, on the embedded adapters and the
real servers."""

from __future__ import annotations

from typing import Any

import pytest
from warmflow_registry.domain.idnumber import mask
from warmflow_registry.domain.mobility import Actor
from warmflow_registry.domain.model import Member
from warmflow_registry.service_layer import members
from warmflow_registry.service_layer.commands import UpdateMember
from warmflow_shared.outbox.store import Changed

from .test_imports import (
    ImportPlatform,
    counts,
    csv_bytes,
    member_docs,
    module_backends,
    person,
    platform,
    roster,
    run_import,
    versions,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["module_backends", "platform"]  # the module's fixtures, shared with test_imports


async def test_changed_rows_are_written_together_not_one_trip_each(
    platform: ImportPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update import took ~20 times as long as the import that created the same files: each
    changed row was read twice more and written in a write (a commit) of its own."""
    r = await roster(platform)
    rows = [person(r.code) for _ in range(5)]
    job = await run_import(platform, r.admin, "a.csv", csv_bytes(rows, "utf-8"))
    assert counts(job) == (5, 0, 0, 0), job["report"]
    collection = platform.registry.stores.members.collection
    writes: list[str] = []
    update, update_each = collection.update, collection.update_each

    async def counted_update(doc_id: str, *args: Any, **options: Any) -> bool:
        writes.append(doc_id)
        return await update(doc_id, *args, **options)

    pushed: list[str] = []

    async def counted_each(updates: Any) -> set[str]:
        writes.append(f"{len(updates)} together")
        for _, _, update in updates:  # the events, as written (the relay empties the outbox)
            pushed.extend(e["envelope"]["type"] for e in (update.push or {}).get("_outbox", []))
        return await update_each(updates)

    monkeypatch.setattr(collection, "update", counted_update)
    monkeypatch.setattr(collection, "update_each", counted_each)
    changed = [dict(row, 手机号码=f"1380000000{n}") for n, row in enumerate(rows)]
    job = await run_import(platform, r.admin, "b.csv", csv_bytes(changed, "utf-8"))

    assert counts(job) == (0, 5, 0, 0), job["report"]
    assert writes == ["5 together"] and pushed == ["registry.MemberUpdated"] * 5
    docs = await member_docs(platform, [row["身份证号"] for row in rows])
    assert versions(docs) == {mask(row["身份证号"]): (2, 2) for row in rows}
    for n, row in enumerate(rows):
        doc = docs[mask(row["身份证号"])]
        assert doc["state"]["profile"]["phone"] == f"1380000000{n}"
        assert doc["state"]["updated_by_import"] == job["id"]


async def test_a_file_changed_while_its_chunk_ran_is_updated_on_its_latest_state(
    platform: ImportPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff save a file between the chunk's reading and its writing: the chunk's write of it is
    refused (its version moved on) and the row is applied to the file as it now is."""
    r = await roster(platform)
    rows = [person(r.code) for _ in range(2)]
    await run_import(platform, r.admin, "a.csv", csv_bytes(rows, "utf-8"))
    store = platform.registry.stores.members
    target = (await member_docs(platform, [rows[0]["身份证号"]]))[mask(rows[0]["身份证号"])]
    save_many = store.save_many

    async def staff_first(changes: list[Changed]) -> set[str]:
        profile = Member.model_validate(target["state"]).profile
        edit = UpdateMember(profile=profile.model_copy(update={"employer": "岳西县某厂"}))
        actor = Actor("staff", "county_admin", "汪书记")
        await members.update_member(platform.registry, target["_id"], edit, actor)
        return await save_many(changes)

    monkeypatch.setattr(store, "save_many", staff_first)
    changed = [dict(row, 手机号码="13800000009") for row in rows]
    job = await run_import(platform, r.admin, "b.csv", csv_bytes(changed, "utf-8"))

    assert counts(job) == (0, 2, 0, 0), job["report"]
    docs = await member_docs(platform, [row["身份证号"] for row in rows])
    assert versions(docs) == {mask(rows[0]["身份证号"]): (3, 3), mask(rows[1]["身份证号"]): (2, 2)}
    assert {doc["state"]["profile"]["phone"] for doc in docs.values()} == {"13800000009"}
