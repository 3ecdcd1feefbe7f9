"""JSON bodies keep their types: a number where a number is asked for, never a text or a boolean.

Pydantic's lax mode (how FastAPI validates a parsed body) takes ``true`` as 1, ``"5"`` as 5 and
``1.0`` as 1. A JSON API has types on the wire, so every app first reads its JSON body in
pydantic's strict JSON mode and refuses where a value's JSON type is not the one asked for: a
boolean, a number or a text where another of them is. Strict mode's other refusals are not
ours to make (a date behind a validator of its own is refused there even as ISO text), nor are
those of a union's members (only a place in the body is named). Query parameters and form
fields (texts on the wire) are not concerned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, cast

from fastapi import params
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from starlette.requests import Request

# what each kind of refusal says the value should have been, by its JSON type
_WRONG_JSON_TYPE: dict[str, tuple[type, ...]] = {
    "int_type": (bool, str, float),
    "float_type": (bool, str),
    "bool_type": (int, float, str),
}
# body field (by identity: routes live as long as their app) -> (field, its reader)
_READERS: dict[int, tuple[Any, TypeAdapter[Any]]] = {}
_MISSING = object()


def _reader(field: Any) -> TypeAdapter[Any]:
    known = _READERS.get(id(field))
    if known is None or known[0] is not field:
        info = field.field_info
        kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        known = (field, TypeAdapter(cast(Any, kind)))
        _READERS[id(field)] = known
    return known[1]


def _at(body: Any, loc: Sequence[Any]) -> Any:
    """The value at ``loc`` in the parsed body, or _MISSING when no place of the body is named."""
    for part in loc:
        if not isinstance(body, dict | list):
            return _MISSING
        try:
            body = body[part]
        except (KeyError, IndexError, TypeError):  # a union member's name, not a place
            return _MISSING
    return body


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def wrong_json_types(reader: TypeAdapter[Any], raw: bytes) -> tuple[list[ErrorDetails], Any]:
    """Strict mode's refusals of a JSON type that lax mode would have converted, and the parsed
    body (parsed only then: a body strict mode takes is read once more, by FastAPI alone)."""
    try:
        reader.validate_json(raw, strict=True)
        return [], _MISSING
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    try:
        body = json.loads(raw)
    except ValueError:
        return [], _MISSING  # no body, or not JSON: FastAPI answers
    wrong = [
        error
        for error in errors
        if isinstance(_at(body, error["loc"]), _WRONG_JSON_TYPE.get(error["type"], ()))
    ]
    return wrong, body


async def strict_json_body(request: Request) -> None:
    """An app-wide dependency: the route's JSON body, its types checked before FastAPI reads it
    (laxly); refused with whatever else lax mode refuses, all at once."""
    field = getattr(request.scope.get("route"), "body_field", None)
    if field is None or isinstance(field.field_info, params.Form) or not _is_json(request):
        return
    reader = _reader(field)
    wrong, body = wrong_json_types(reader, await request.body())
    if not wrong:
        return
    try:
        reader.validate_python(body)
        others: list[ErrorDetails] = []
    except ValidationError as exc:
        others = exc.errors(include_url=False)
    named = {tuple(error["loc"]) for error in wrong}
    errors = wrong + [error for error in others if tuple(error["loc"]) not in named]
    raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])
