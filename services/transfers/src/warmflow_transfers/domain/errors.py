"""The domain's own refusals; the HTTP edge maps them to 409 and 422 problem JSON."""

from __future__ import annotations


class TransferError(Exception):
    """Base of the rules' refusals; the message is Chinese, read by staff and members."""


class IllegalMove(TransferError):
    """The case's state does not allow this step."""


class Refused(TransferError):
    """A precondition of the transfer is not met (member not on file, lost contact, dues)."""


class BadValue(TransferError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
