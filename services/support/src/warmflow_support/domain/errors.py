"""The domain's own exceptions; the entrypoints map them to problem JSON (409 / 422)."""

from __future__ import annotations


class RuleBroken(Exception):
    """The request clashes with the current state: closed, already answered, not assigned."""


class BadValue(Exception):
    """A value the rules refuse, named by its field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
