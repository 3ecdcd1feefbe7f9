from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import orjson
import pytest
from warmflow_shared.events.asyncapi import asyncapi_document
from warmflow_shared.events.catalog import CATALOG
from warmflow_shared.events.catalog.transfers import TransferCompleted
from warmflow_shared.events.contracts import (
    ContractCatalog,
    ContractViolation,
    IntegrationEvent,
    UnknownContract,
)
from warmflow_shared.events.schemas import (
    ASYNCAPI_PATH,
    SCHEMA_DIR,
    breaking_changes,
    contract_schema,
    dump,
    schema_file_name,
    write_all,
)

ALL = list(CATALOG)


@pytest.mark.parametrize("contract", ALL, ids=lambda c: f"{c.wire_name}.v{c.wire_version}")
def test_committed_schema_has_no_breaking_change(contract: type[IntegrationEvent]) -> None:
    path = SCHEMA_DIR / schema_file_name(contract)
    assert path.exists(), f"new contract: run `make contracts` and commit {path.name}"
    problems = breaking_changes(orjson.loads(path.read_bytes()), contract_schema(contract))
    assert not problems, (
        f"breaking change to {contract.wire_name}; publish a new version: {problems}"
    )


@pytest.mark.parametrize("contract", ALL, ids=lambda c: f"{c.wire_name}.v{c.wire_version}")
def test_committed_schema_is_current(contract: type[IntegrationEvent]) -> None:
    path = SCHEMA_DIR / schema_file_name(contract)
    assert path.read_bytes() == dump(contract_schema(contract)), "run `make contracts`"


def test_no_committed_schema_lost_its_contract() -> None:
    declared = {schema_file_name(contract) for contract in ALL}
    orphans = sorted(p.name for p in SCHEMA_DIR.glob("*.json") if p.name not in declared)
    assert not orphans, f"contracts removed while consumers may rely on them: {orphans}"


def test_asyncapi_document_is_current_and_lists_every_contract() -> None:
    document = asyncapi_document(CATALOG)
    assert ASYNCAPI_PATH.read_bytes() == dump(document), "run `make contracts`"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(CATALOG.topics())
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert names == {contract.wire_name for contract in ALL}


class _V1(IntegrationEvent):
    wire_name: ClassVar[str] = "test.Thing"
    wire_version: ClassVar[int] = 1
    topic: ClassVar[str] = "test.thing"
    thing_id: str
    count: int
    note: str | None = None


class _RemovedField(IntegrationEvent):
    wire_name: ClassVar[str] = "test.Thing"
    wire_version: ClassVar[int] = 1
    topic: ClassVar[str] = "test.thing"
    thing_id: str


class _ChangedType(_RemovedField):
    count: str
    note: str | None = None


class _NewRequired(_V1):
    colour: str


class _NewOptional(_V1):
    colour: str | None = None


def test_breaking_change_rules() -> None:
    old = contract_schema(_V1)
    assert breaking_changes(old, contract_schema(_NewOptional)) == []
    assert breaking_changes(old, contract_schema(_RemovedField)) == [
        "field 'count' was removed",
        "field 'note' was removed",
        "field 'count' is no longer always present",
    ]
    assert breaking_changes(old, contract_schema(_ChangedType)) == [
        "field 'count' changed its type"
    ]
    assert breaking_changes(old, contract_schema(_NewRequired)) == [
        "field 'colour' became required"
    ]


def test_writer_refuses_a_breaking_change(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("warmflow_shared.events.schemas.ASYNCAPI_PATH", tmp_path / "asyncapi.json")
    assert write_all(ContractCatalog([_V1]), tmp_path) == []
    refusals = write_all(ContractCatalog([_ChangedType]), tmp_path)
    assert refusals and "count" in refusals[0]
    kept = orjson.loads((tmp_path / "test.Thing.v1.json").read_bytes())
    assert kept["properties"]["count"]["type"] == "integer"


def test_catalog_refuses_duplicates_and_unknown_contracts() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        ContractCatalog([_V1, _NewOptional])
    with pytest.raises(UnknownContract):
        CATALOG.get("registry.NoSuchThing", 1)


def _completed() -> TransferCompleted:
    return TransferCompleted(
        transfer_id="t-1",
        member_id="m-1",
        sending_org_id="org-yuexi-1",
        sending_county="yuexi",
        receiving_org_id="org-yuhang-9",
        receiving_county="yuhang",
        change_type_code="141",
        branch_id="org-yuhang-9",
        completed_at=datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
    )


def test_parse_validates_data_and_ignores_unknown_fields() -> None:
    envelope = _completed().to_envelope(subject="t-1", producer="transfers")
    with_extra = envelope.caused(data={**envelope.data, "added_later": 1})
    assert CATALOG.parse(with_extra) == _completed()
    broken = envelope.caused(data={**envelope.data, "completed_at": "not a time"})
    with pytest.raises(ContractViolation):
        CATALOG.parse(broken)


def test_event_caused_by_another_keeps_the_correlation() -> None:
    first = _completed().to_envelope(subject="t-1", producer="transfers")
    second = _completed().to_envelope(subject="m-1", producer="registry", cause=first)
    assert first.correlation_id == first.event_id
    assert second.correlation_id == first.correlation_id
    assert second.causation_id == first.event_id
