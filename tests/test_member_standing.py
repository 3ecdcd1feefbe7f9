"""A return names the inflow side the member left; every service's copy of the member takes it
as leaving that side, not as standing on it (their staff scopes follow the copy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from warmflow_learning.service_layer.projections import member_change as learning_copy
from warmflow_shared.events.envelope import Envelope
from warmflow_support.service_layer.projections import member_change as support_copy

Copy = Callable[[dict[str, Any] | None, Envelope], dict[str, Any] | None]
SIDES = {
    "member_id": "m-1",
    "outflow_org_id": "yuexi-branch-1",
    "outflow_county": "yuexi",
    "inflow_org_id": "yuhang-ai-town-committee",
    "inflow_county": "yuhang",
}


def _event(kind: str, **data: Any) -> Envelope:
    return Envelope(
        type=f"registry.{kind}", version=1, producer="registry", subject="m-1", data=data
    )


@pytest.mark.parametrize("copy", [learning_copy, support_copy], ids=["learning", "support"])
def test_a_return_takes_the_member_off_the_inflow_side(copy: Copy) -> None:
    checked_in = _event(
        "CheckedIn", **SIDES, site_id="yh-site-1", checked_in_at="2026-12-01T08:00:00Z",
        recorded_by="staff", mobile_status="checked_in",
    )  # fmt: skip
    state = copy(None, checked_in)
    assert state is not None and state["inflow_county"] == "yuhang"
    back = _event("MemberReturned", **SIDES, returned_on="2026-12-05", mobile_status="returned")
    after = copy(state, back)
    assert after is not None
    assert (after["inflow_county"], after["inflow_org_id"]) == (None, None)
    assert (after["outflow_county"], after["mobile_status"]) == ("yuexi", "returned")
