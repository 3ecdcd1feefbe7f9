"""Integration event contracts: explicit wire names and versions, never derived from class names.

Consumers ignore unknown fields; producers only add optional ones; a breaking change is a new
version (a new class with the same wire name and ``wire_version + 1``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from warmflow_shared.events.envelope import Envelope


class UnknownContract(LookupError):
    pass


class ContractViolation(ValueError):
    """An envelope's data does not satisfy its contract."""


class IntegrationEvent(BaseModel):
    """Base of every contract's ``data``; subclasses set the three class variables."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    wire_name: ClassVar[str]
    wire_version: ClassVar[int]
    topic: ClassVar[str]

    def to_envelope(
        self,
        *,
        subject: str,
        producer: str,
        cause: Envelope | None = None,
        correlation_id: str = "",
    ) -> Envelope:
        data = self.model_dump(mode="json")
        return _envelope(type(self), data, subject, producer, cause, correlation_id)


class Encoded:
    """An event of ``contract`` whose ``data`` is already what the contract's
    ``model_dump(mode="json")`` gives, built by its caller straight from values it has validated
    (a bulk import's new files): publishing it skips a second validation and dump. A caller that
    builds one tests that its data equals the contract's dump for the same change."""

    __slots__ = ("contract", "data")

    def __init__(self, contract: type[IntegrationEvent], data: dict[str, Any]) -> None:
        self.contract = contract
        self.data = data

    @property
    def topic(self) -> str:
        return self.contract.topic

    def to_envelope(
        self,
        *,
        subject: str,
        producer: str,
        cause: Envelope | None = None,
        correlation_id: str = "",
    ) -> Envelope:
        return _envelope(self.contract, self.data, subject, producer, cause, correlation_id)


Publishable = IntegrationEvent | Encoded
"""What a store's outbox takes: a contract, or a contract's data already encoded."""


def _envelope(
    contract: type[IntegrationEvent],
    data: dict[str, Any],
    subject: str,
    producer: str,
    cause: Envelope | None,
    correlation_id: str,
) -> Envelope:
    return Envelope(
        type=contract.wire_name,
        version=contract.wire_version,
        producer=producer,
        subject=subject,
        data=data,
        correlation_id=cause.correlation_id if cause else correlation_id,
        causation_id=cause.event_id if cause else None,
    )


ContractKey = tuple[str, int]


class ContractCatalog:
    def __init__(self, contracts: Iterable[type[IntegrationEvent]]) -> None:
        self._by_key: dict[ContractKey, type[IntegrationEvent]] = {}
        for contract in contracts:
            key = (contract.wire_name, contract.wire_version)
            if key in self._by_key:
                raise ValueError(f"contract {key} is declared twice")
            self._by_key[key] = contract

    def __iter__(self) -> Any:
        return iter(sorted(self._by_key.values(), key=lambda c: (c.wire_name, c.wire_version)))

    def get(self, name: str, version: int) -> type[IntegrationEvent]:
        try:
            return self._by_key[(name, version)]
        except KeyError:
            raise UnknownContract(f"{name} v{version}") from None

    def topics(self) -> list[str]:
        return sorted({contract.topic for contract in self._by_key.values()})

    def on_topic(self, topic: str) -> list[type[IntegrationEvent]]:
        return [contract for contract in self if contract.topic == topic]

    def parse(self, envelope: Envelope) -> IntegrationEvent:
        contract = self.get(envelope.type, envelope.version)
        try:
            return contract.model_validate(envelope.data)
        except ValidationError as exc:
            raise ContractViolation(f"{envelope.type} v{envelope.version}: {exc}") from exc


def contract_schema(contract: type[IntegrationEvent]) -> dict[str, Any]:
    """The JSON Schema a contract's data must satisfy, named by its wire name and version."""
    schema = contract.model_json_schema(mode="validation")
    schema["title"] = f"{contract.wire_name} v{contract.wire_version}"
    schema["x-wire-name"] = contract.wire_name
    schema["x-wire-version"] = contract.wire_version
    schema["x-topic"] = contract.topic
    return schema
