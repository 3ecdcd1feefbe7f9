"""A step reads the caller's organisations once: the same read names the side that may act and
the sides the answer shows (``my_sides``), for the lifecycle's steps and the letter's alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .flow import apply
from .support import World


@contextmanager
def reads_of(world: World, org_ids: list[str]) -> Iterator[list[int]]:
    """How many times the caller's own organisations (``org_ids``) are read in the block."""
    collection = world.ctx.organisations.collection
    original = collection.get_many
    seen = [0]

    async def counted(ids: Any, *args: Any, **kwargs: Any) -> Any:
        seen[0] += list(ids) == org_ids
        return await original(ids, *args, **kwargs)

    collection.get_many = counted  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        collection.get_many = original  # type: ignore[method-assign]


async def test_each_step_reads_the_caller_s_organisations_once(world: World) -> None:
    member = await world.seed_member(f"{world.name}-r", "yuexi")
    organiser = world.token("org_admin", "yuexi")  # bound to the Yuexi committee
    applied = await apply(world, member, headers=organiser)
    assert applied.status_code == 201, applied.text
    url = f"/cases/{applied.json()['id']}"
    for action in ("approve", "issue-letter"):
        with reads_of(world, [world.org("yuexi", "committee")]) as seen:
            done = await world.client.post(f"{url}/{action}", json={}, headers=organiser)
        assert done.status_code == 200, (action, done.text)
        assert done.json()["my_sides"] == ["sending"], action
        assert seen == [1], action
