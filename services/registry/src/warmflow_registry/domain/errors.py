"""The file's own refusal: input that breaks its rules, every field named (422).

It subclasses the shared ``InvalidInput``, so the web edge answers it like any other service's
refusal; a clash with the current state is the shared ``RuleBroken`` (409).
"""

from __future__ import annotations

from dataclasses import dataclass

from warmflow_shared.errors import FieldError, InvalidInput


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


class InvalidData(InvalidInput):
    """Input that breaks a rule of the file; names each body field with a Chinese reason."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [FieldError(f"body.{p.field}", p.reason) for p in problems]
        super().__init__("请检查下列字段后重新提交", errors=errors)
        self.problems = problems

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.reason}" for p in self.problems)
