"""Dates and moments as people write them in a request: ISO 8601 text, never a number.

pydantic's lax mode reads a number, or a text of digits, as Unix seconds: ``0`` was taken as
1970-01-01 and ``"1704067200"`` as 2024-01-01 (a date when it falls on a midnight). Nobody means
a date that way; it is the caller's mistake, refused like any malformed date, at its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

_NUMBER = re.compile(r"\s*[+-]?\d+(\.\d*)?\s*")


def _refuse_numbers(error_type: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
            raise PydanticCustomError(error_type, "a number is not a date")
        return value

    return check


Day = Annotated[date, BeforeValidator(_refuse_numbers("date_parsing"))]
"""A calendar day: ``2024-07-01``."""

Moment = Annotated[AwareDatetime, BeforeValidator(_refuse_numbers("datetime_parsing"))]
"""A moment with its time zone: ``2024-07-01T09:00:00+08:00``."""
