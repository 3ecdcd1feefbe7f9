"""The names the faces show for the services' codes, exported from the services' own tables.

``warmflow vocabulary`` prints them; ``web/common/vocabulary.json`` is that output, committed, and
a test fails when the two differ (so a face never names a status its service does not).
"""

from __future__ import annotations

import json
from typing import Any

from warmflow_learning.domain.model import STATUS_NAMES as ATTENDANCE_NAMES
from warmflow_notify.domain.model import CATEGORY_NAMES, CHANNEL_NAMES
from warmflow_notify.domain.notice import STATUS_NAMES as NOTICE_STATUS_NAMES
from warmflow_notify.domain.preferences import DEFAULT_CHANNELS
from warmflow_notify.domain.rules import MEMBER_CATEGORIES
from warmflow_registry.domain.agreements import AGREEMENT_STATUS_NAMES, PURPOSE_NAMES
from warmflow_registry.domain.codes import LOST_REASON_NAMES, OUTFLOW_REASON_NAMES, STATUS_NAMES
from warmflow_registry.domain.desk import STATUS_NAMES as TICKET_STATUS_NAMES
from warmflow_registry.domain.mobility import ACTION_NAMES
from warmflow_registry.domain.organisation import ORG_TYPE_NAMES, SITE_LEVEL_NAMES
from warmflow_registry.domain.search import CHANNEL_NAMES as SEARCH_CHANNEL_NAMES
from warmflow_registry.domain.search import OUTCOME_NAMES as SEARCH_OUTCOME_NAMES
from warmflow_shared.audit.names import ACTION_NAMES as AUDIT_ACTION_NAMES
from warmflow_shared.audit.names import FIELD_NAMES as AUDIT_FIELD_NAMES
from warmflow_shared.audit.names import METHOD_NAMES as AUDIT_METHOD_NAMES
from warmflow_shared.auth.principal import COUNTY_NAMES, ROLE_NAMES
from warmflow_shared.events.catalog.vocabulary import SUPPORT_KIND_NAMES
from warmflow_support.domain.cases import STATUS_NAMES as SUPPORT_CASE_STATUS_NAMES
from warmflow_support.domain.talent import INTRO_STATUS_NAMES, NEED_STATUS_NAMES
from warmflow_support.domain.vanguard import CHANNEL_NAMES as CONTACT_CHANNEL_NAMES
from warmflow_support.domain.vanguard import ROLE_NAMES as VANGUARD_ROLE_NAMES
from warmflow_transfers.domain.codes import STATUS_NAMES as CASE_STATUS_NAMES

from warmflow_gateway.field_names import FIELD_NAMES


def vocabulary() -> dict[str, Any]:
    return {
        "counties": dict(COUNTY_NAMES),
        "roles": dict(ROLE_NAMES),
        "member_status": STATUS_NAMES,
        "member_actions": ACTION_NAMES,
        "outflow_reasons": OUTFLOW_REASON_NAMES,
        "lost_reasons": LOST_REASON_NAMES,
        "search_channels": SEARCH_CHANNEL_NAMES,
        "search_outcomes": SEARCH_OUTCOME_NAMES,
        "org_types": ORG_TYPE_NAMES,
        "site_levels": SITE_LEVEL_NAMES,
        "case_status": CASE_STATUS_NAMES,
        "ticket_status": TICKET_STATUS_NAMES,
        "agreement_status": AGREEMENT_STATUS_NAMES,
        "agreement_purposes": PURPOSE_NAMES,
        "attendance": ATTENDANCE_NAMES,
        "need_status": NEED_STATUS_NAMES,
        "intro_status": INTRO_STATUS_NAMES,
        "support_kinds": SUPPORT_KIND_NAMES,
        "support_case_status": SUPPORT_CASE_STATUS_NAMES,
        "vanguard_roles": VANGUARD_ROLE_NAMES,
        "contact_channels": CONTACT_CHANNEL_NAMES,
        "notice_channels": CHANNEL_NAMES,
        "notice_categories": CATEGORY_NAMES,
        # per category, the channels a recipient may choose (the inbox is always one of them)
        "notice_default_channels": {k: list(v) for k, v in DEFAULT_CHANNELS.items()},
        # the kinds a member receives: the member app's settings offer these alone
        "notice_member_categories": list(MEMBER_CATEGORIES),
        "notice_status": NOTICE_STATUS_NAMES,
        "audit_actions": AUDIT_ACTION_NAMES,
        "audit_methods": AUDIT_METHOD_NAMES,
        "audit_fields": AUDIT_FIELD_NAMES,
        # the fields the APIs take: a refusal names its field in Chinese (web/common/api.js)
        "fields": FIELD_NAMES,
    }


def vocabulary_json() -> str:
    return json.dumps(vocabulary(), ensure_ascii=False, indent=2) + "\n"
