"""Values that travel in events and that more than one service names: spelled here only.

A service that filters or counts by one of these imports it from here, so a misspelt value is
a type error or a refused setting, never a silently empty query (``tests/test_vocabulary.py``
also looks for near-misses in every service's source).
"""

from __future__ import annotations

from typing import Literal, get_args

# a mobile member's standing in the registry (``mobile_status`` of member events)
MobileStatus = Literal[
    "at_home",
    "outflow_registered",
    "awaiting_checkin",
    "checked_in",
    "returned",
    "transferred",
    "lost_contact",
    "suspended",
    "removed",
]
MOBILE_STATUSES: tuple[MobileStatus, ...] = get_args(MobileStatus)

# members who are away from home and should take part in learning (参学率 denominator)
STUDYING_STATUSES: tuple[MobileStatus, ...] = (
    "outflow_registered",
    "awaiting_checkin",
    "checked_in",
    "lost_contact",
)

PartyStatus = Literal["probationary", "full"]
PARTY_STATUSES: tuple[PartyStatus, ...] = get_args(PartyStatus)
