"""Whose inbox a caller reads: a member's own, or a staff member's own (by token subject)."""

from __future__ import annotations

from warmflow_shared.auth.principal import Principal

from warmflow_notify.domain.model import member_recipient_id, staff_recipient_id


def recipient_of(principal: Principal) -> str:
    if principal.role == "member" and principal.member_id:
        return member_recipient_id(principal.member_id)
    return staff_recipient_id(principal.subject)
