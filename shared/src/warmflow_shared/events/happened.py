"""Domain events: what happened to an aggregate, in its service's own words.

A service's domain returns ``Happened`` values; its service layer maps each ``kind`` to the
public integration contract it publishes (``catalog/``), adding what every contract of that
aggregate carries. The domain never builds a contract, so a contract can change its shape
(a new version, a renamed field) without touching the rules (style.md, lesson 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from warmflow_shared.events.contracts import IntegrationEvent


@dataclass(frozen=True)
class Happened:
    kind: str
    fields: dict[str, Any] = field(default_factory=dict)


def to_contracts(
    contracts: Mapping[str, type[IntegrationEvent]],
    happened: Sequence[Happened],
    common: Mapping[str, Any] | None = None,
) -> list[IntegrationEvent]:
    """Each domain event as the contract its kind names, ``common`` fields first."""
    return [contracts[h.kind].model_validate({**(common or {}), **h.fields}) for h in happened]
