"""Committed JSON Schemas of the contracts, and the rule for what counts as a breaking change.

``python -m warmflow_shared.events.schemas`` writes ``shared/contracts/*.json`` and the AsyncAPI
document; it refuses to overwrite a schema with an incompatible one (make a new version instead).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from warmflow_shared.events.asyncapi import asyncapi_document
from warmflow_shared.events.catalog import CATALOG
from warmflow_shared.events.contracts import ContractCatalog, IntegrationEvent, contract_schema

REPO_ROOT = Path(__file__).resolve().parents[4]
SCHEMA_DIR = REPO_ROOT / "shared" / "contracts"
ASYNCAPI_PATH = REPO_ROOT / "docs" / "asyncapi.json"


def schema_file_name(contract: type[IntegrationEvent]) -> str:
    return f"{contract.wire_name}.v{contract.wire_version}.json"


def _shape(prop: dict[str, Any]) -> Any:
    """What a consumer depends on in a property: its type, ignoring titles and descriptions."""
    ignored = {"title", "description", "default", "examples"}
    if isinstance(prop, dict):
        return {k: _shape(v) for k, v in sorted(prop.items()) if k not in ignored}
    if isinstance(prop, list):
        return [_shape(v) for v in prop]
    return prop


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for name, prop in old_props.items():
        if name not in new_props:
            problems.append(f"field '{name}' was removed")
        elif _shape(prop) != _shape(new_props[name]):
            problems.append(f"field '{name}' changed its type")
    for name in sorted(new_req - old_req):
        problems.append(f"field '{name}' became required")
    for name in sorted(old_req - new_req):
        problems.append(f"field '{name}' is no longer always present")
    if _shape(old.get("$defs", {})) != _shape(new.get("$defs", {})):
        old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
        for def_name, definition in old_defs.items():
            if def_name in new_defs:
                problems += [
                    f"{def_name}: {p}" for p in breaking_changes(definition, new_defs[def_name])
                ]
            else:
                problems.append(f"definition '{def_name}' was removed")
    return problems


def dump(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_all(catalog: ContractCatalog = CATALOG, schema_dir: Path = SCHEMA_DIR) -> list[str]:
    refusals: list[str] = []
    schema_dir.mkdir(parents=True, exist_ok=True)
    for contract in catalog:
        path = schema_dir / schema_file_name(contract)
        new = contract_schema(contract)
        if path.exists():
            problems = breaking_changes(orjson.loads(path.read_bytes()), new)
            if problems:
                refusals.append(f"{path.name}: {'; '.join(problems)}")
                continue
        path.write_bytes(dump(new))
    ASYNCAPI_PATH.parent.mkdir(parents=True, exist_ok=True)
    ASYNCAPI_PATH.write_bytes(dump(asyncapi_document(catalog)))
    return refusals


if __name__ == "__main__":
    refused = write_all()
    for line in refused:
        print(f"breaking change refused (publish a new version instead): {line}", file=sys.stderr)
    sys.exit(1 if refused else 0)
