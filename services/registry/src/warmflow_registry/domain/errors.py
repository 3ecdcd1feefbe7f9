"""The domain's own errors; the service layer maps them to problem responses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


class RuleViolation(Exception):
    """An action the current state does not allow (an illegal transition)."""


class InvalidData(Exception):
    """Input that breaks a rule of the file; names each field with a Chinese reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems
