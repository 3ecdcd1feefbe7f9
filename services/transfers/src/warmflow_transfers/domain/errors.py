"""The domain's own refusals: 409 (a clash with the case's state) and 422 (a refused value).

They subclass the shared errors, so the web edge answers them like every other service's.
"""

from __future__ import annotations

from warmflow_shared.errors import BadValue as SharedBadValue
from warmflow_shared.errors import RuleBroken


class TransferError(RuleBroken):
    """Base of the rules' refusals; the message is Chinese, read by staff and members."""

    default_title = "不符合办理条件"


class IllegalMove(TransferError):
    """The case's state does not allow this step."""

    default_title = "当前状态不允许此操作"


class Refused(TransferError):
    """A precondition of the transfer is not met (member not on file, lost contact, dues)."""


class BadValue(SharedBadValue):
    """A refused value of the request body, named by its field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"body.{field}", reason)

    def __str__(self) -> str:
        return self.reason
