"""A roster row's new file is built straight from its validated command (``members.new_file``):
it must be the very file, and the very event, that registering it through the model makes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from warmflow_registry.adapters.pii import IdNumberVault
from warmflow_registry.domain.mobility import profile_changed
from warmflow_registry.domain.model import Member
from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer import members
from warmflow_registry.service_layer.commands import RegisterMember
from warmflow_registry.service_layer.events import member_events
from warmflow_shared.events.catalog import registry as ev

from .ids import id_number, profile

NOW = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # already 2 March in China
HOME = Organisation(
    id="yx-b1",
    code="YX001",
    name="岳西县某村党支部",
    type_code="branch",
    parent_id="yx-root",
    county="yuexi",
    province="安徽省",
    path="/yx-root/yx-b1/",
)
BORN = date(1990, 5, 17)
BARE = {"name": "李四", "birth_date": BORN.isoformat(), "phone": "13905561234"}


def both_ways(cmd: RegisterMember) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """(file built directly, file through the model, their events) for the same command."""
    registry: Any = SimpleNamespace(now=lambda: NOW, vault=IdNumberVault("test-secret"))
    digest = registry.vault.search_hash(cmd.id_number)
    member_id, file, event = members.new_file(
        registry, cmd, HOME, id_hash=digest, imported_by="imp1"
    )
    member = members.new_member(registry, cmd, HOME, member_id, id_hash=digest)
    member.imported_by = "imp1"
    member.id_cipher = file["id_cipher"]  # a fresh nonce each time: the same text under it
    state = members.state_of(member, HOME, None)
    [through_model] = member_events([profile_changed(member, new=True)])
    assert registry.vault.decrypt(file["id_cipher"]) == cmd.id_number
    return file, state, event, through_model


@pytest.mark.parametrize(
    "given",
    [profile(BORN), BARE, profile(BORN, party_status="probationary", full_member_on=None)],
    ids=["every-field", "required-only", "probationary"],
)
def test_a_new_file_built_directly_is_the_file_and_event_the_model_makes(
    given: dict[str, object],
) -> None:
    number = id_number(BORN)
    cmd = RegisterMember.model_validate(
        {"id_number": number, "home_org_id": HOME.id, "profile": given}
    )
    file, state, event, through_model = both_ways(cmd)

    assert file == state
    assert list(file) == list(state)  # the same stored bytes, field for field
    assert Member.model_validate(file).model_dump(mode="json") == {
        k: v for k, v in state.items() if k in Member.model_fields
    }
    assert file["registered_on"] == "2026-03-02" == file["reachable_since"]
    assert file["id_masked"] == number[:6] + "********" + number[-4:]
    assert number not in str(file).replace(file["id_hash"], "")  # only cipher and blind index

    built = event.to_envelope(subject=file["id"], producer="registry")
    modelled = through_model.to_envelope(subject=file["id"], producer="registry")
    assert (built.type, built.version) == (modelled.type, modelled.version)
    assert event.topic == through_model.topic
    assert built.data == modelled.data
    assert list(built.data) == list(modelled.data)
    assert ev.MemberRegistered.model_validate(built.data).model_dump(mode="json") == built.data
    assert number not in str(built.data)


def test_each_new_file_has_its_own_history_and_id() -> None:
    cmd = RegisterMember.model_validate(
        {"id_number": id_number(BORN), "home_org_id": HOME.id, "profile": BARE}
    )
    first, _, _, _ = both_ways(cmd)
    second, _, _, _ = both_ways(cmd)
    first["history"].append({"action": "x"})
    assert second["history"] == [] and first["id"] != second["id"]
    assert first["id"].startswith("m") and len(first["id"]) == 21
