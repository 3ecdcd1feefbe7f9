"""Shared vocabularies are spelled once, in the contracts: a service never names a near-miss.

Learning once counted members "awaiting_check_in" while the registry emits "awaiting_checkin",
and silently dropped them from 参学率. These tests read every service's source for string
constants that look like a vocabulary value but are not one, and check the settings that hold
such values refuse unknown ones.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from warmflow_learning.config import LearningSettings
from warmflow_shared.events.catalog.vocabulary import MOBILE_STATUSES, PARTY_STATUSES

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY = frozenset({*MOBILE_STATUSES, *PARTY_STATUSES})


def _squashed(word: str) -> str:
    return word.replace("_", "").replace("-", "").lower()


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (small words only)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def near_miss(word: str) -> str | None:
    """The vocabulary value ``word`` looks like a misspelling of, if any."""
    if word in VOCABULARY or not word.replace("_", "").isalpha():
        return None
    for value in VOCABULARY:
        # one slip in a long word; short words ("remove", "check_in") are other words
        if _squashed(word) == _squashed(value) or (len(word) >= 10 and _edits(word, value) == 1):
            return value
    return None


def string_constants() -> Iterator[tuple[Path, int, str]]:
    for path in sorted((ROOT / "services").glob("*/src/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield path.relative_to(ROOT), node.lineno, node.value


def test_no_service_names_a_near_miss_of_a_shared_value() -> None:
    misses = [
        f"{path}:{line}: {value!r} looks like {target!r}"
        for path, line, value in string_constants()
        if (target := near_miss(value))
    ]
    assert misses == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("awaiting_check_in", "awaiting_checkin"),
        ("checkedin", "checked_in"),
        ("lost_contacts", "lost_contact"),
        ("awaiting_checkin", None),
        ("checked", None),
    ],
)
def test_the_near_miss_check_catches_the_kind_of_slip_it_is_for(
    word: str, expected: str | None
) -> None:
    assert near_miss(word) == expected


def test_learning_refuses_a_status_the_contracts_do_not_have() -> None:
    assert "awaiting_checkin" in LearningSettings().active_mobile_statuses
    with pytest.raises(ValidationError, match="active_mobile_statuses"):
        LearningSettings(active_mobile_statuses=["awaiting_check_in"])  # type: ignore[list-item]


def test_the_faces_show_the_names_the_services_define() -> None:
    from pathlib import Path

    from warmflow_gateway.vocabulary import vocabulary_json

    committed = Path(__file__).resolve().parents[1] / "web" / "common" / "vocabulary.json"
    assert committed.read_text(encoding="utf-8") == vocabulary_json(), (
        "web/common/vocabulary.json is stale: run `.venv/bin/warmflow vocabulary > "
        "web/common/vocabulary.json`"
    )


def test_every_code_the_notices_pages_show_has_a_name() -> None:
    # the console's notices pages (settings per category and channel, the delivery log and its
    # status filter) show these codes: each needs its Chinese name, or staff read "in_app" or
    # "delivered" (and a filter on a status the service never writes finds nothing)
    import re

    import warmflow_notify
    from warmflow_gateway.vocabulary import vocabulary
    from warmflow_notify.domain.model import CATEGORIES, CHANNELS

    names = vocabulary()
    assert set(names["notice_channels"]) == set(CHANNELS)
    assert set(names["notice_categories"]) == set(CATEGORIES)
    assert set(names["notice_default_channels"]) == set(CATEGORIES)
    # a member hears of their own outflow, check-in, transfer, lessons, reports…, never of the
    # staff's daily digest
    member = names["notice_member_categories"]
    assert set(member) < set(CATEGORIES) and "digest" not in member and "transfer" in member
    source = "".join(p.read_text() for p in Path(warmflow_notify.__file__).parent.rglob("*.py"))
    written = set(re.findall(r'"status": "(\w+)"', source)) | {"sending"}
    assert written <= set(names["notice_status"]), written - set(names["notice_status"])


def _request_fields(
    schema: dict[str, Any], parts: dict[str, Any], seen: frozenset[str]
) -> set[str]:
    """The property names a request schema takes, nested ones too (``$ref`` followed once)."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return set() if ref in seen else _request_fields(parts[ref], parts, seen | {ref})
    found: set[str] = set()
    subs = [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
    subs += [s for s in (schema.get("items"), schema.get("additionalProperties")) if s]
    for name, sub in (schema.get("properties") or {}).items():
        found.add(name)
        subs.append(sub)
    for sub in subs:
        if isinstance(sub, dict):
            found |= _request_fields(sub, parts, seen)
    return found


def test_every_field_the_apis_take_has_a_name_people_read(tmp_path: Path) -> None:
    """A refusal names its field (``body.starts_at``); the faces show it in Chinese from the
    vocabulary's ``fields`` (``web/common/api.js``), so every field any service's API takes in
    its body, query or path needs a name there (staff read "starts_at：…" otherwise)."""
    from warmflow_gateway.platform import create_platform_app
    from warmflow_gateway.vocabulary import vocabulary
    from warmflow_shared.settings import WarmflowSettings

    app = create_platform_app(WarmflowSettings(service="gateway", data_dir=tmp_path))
    taken: dict[str, set[str]] = {}
    for service in app.state.services:
        spec = service.app.openapi()
        parts = spec.get("components", {}).get("schemas", {})
        for route, operations in spec["paths"].items():
            for operation in operations.values():
                names = {p["name"] for p in operation.get("parameters", []) if p["in"] != "header"}
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    names |= _request_fields(content.get("schema", {}), parts, frozenset())
                for name in names:
                    taken.setdefault(name, set()).add(f"{service.name} {route}")
    named = vocabulary()["fields"]
    missing = {name: sorted(routes)[0] for name, routes in taken.items() if name not in named}
    assert not missing, f"fields without a Chinese name (warmflow_gateway.field_names): {missing}"
    assert all(name and not name.isascii() for name in named.values())
