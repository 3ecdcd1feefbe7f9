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

# the kinds of a 硬扶持/困难帮扶 support case (``kind`` of ``support.SupportCase*`` events)
SupportKind = Literal[
    "startup_funding", "hardship_funding", "job_placement", "hardship_aid", "legal_aid"
]
SUPPORT_KIND_NAMES: dict[str, str] = {
    "startup_funding": "创业扶持资金",
    "hardship_funding": "困难补助资金",
    "job_placement": "就业安置",
    "hardship_aid": "困难帮扶",
    "legal_aid": "法律援助",
}


# 失联原因 of the brief, numbered as organisations number them (events carry the code)
LostReason = Literal["1", "2", "3", "4", "5", "6", "7"]
LOST_REASON_NAMES: dict[str, str] = {
    "1": "外出务工经商",
    "2": "单位改制或破产",
    "3": "毕业后去向不明",
    "4": "更换工作单位",
    "5": "出国（境）",
    "6": "居住地变更",
    "7": "其他",
}


# how a member's yearly report to the home organisation came (``channel`` of
# ``registry.YearlyReportRecorded``): in the app, or received another way
ReportChannel = Literal["app", "letter", "phone", "visit"]
REPORT_CHANNEL_NAMES: dict[str, str] = {
    "app": "手机端",
    "letter": "书面",
    "phone": "电话",
    "visit": "当面",
}

# what a member reports as changed in the app (``changed`` of ``registry.ChangesReported``):
# the handbook's place, employer, residence and phone
ReportedChange = Literal["destination", "employer", "post", "residence", "phone"]
REPORTED_CHANGE_NAMES: dict[str, str] = {
    "destination": "现所在地（流向地）",
    "employer": "工作单位",
    "post": "职务",
    "residence": "现居住地",
    "phone": "手机号码",
}
