"""Domain events of members and agreements → the integration contracts in ``catalog/registry.py``.

The domain says what happened in its own words (``Happened``); this is the one place that knows
the wire shape: which contract a kind is, and the names every member event carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warmflow_shared.events.catalog import registry as ev
from warmflow_shared.events.contracts import Encoded, IntegrationEvent
from warmflow_shared.events.happened import Happened, to_contracts

from warmflow_registry.domain.agreements import Agreement
from warmflow_registry.domain.mobility import PROFILE_FACTS, STANDING

MEMBER_CONTRACTS: dict[str, type[IntegrationEvent]] = {
    "registered": ev.MemberRegistered,
    "updated": ev.MemberUpdated,
    "outflow_registered": ev.OutflowRegistered,
    "status_changed": ev.MemberStatusChanged,
    "checked_in": ev.CheckedIn,
    "check_in_overdue": ev.CheckInOverdue,
    "returned": ev.MemberReturned,
    "lost_contact_flagged": ev.LostContactFlagged,
    "contact_restored": ev.ContactRestored,
    "self_withdrawal_flagged": ev.SelfWithdrawalFlagged,
    "self_withdrawal_cleared": ev.SelfWithdrawalCleared,
    "self_withdrawal_confirmed": ev.SelfWithdrawalConfirmed,
    "home_changed": ev.HomeOrganisationChanged,
    "yearly_report_recorded": ev.YearlyReportRecorded,
    "yearly_report_due": ev.YearlyReportDue,
    "yearly_report_overdue": ev.YearlyReportOverdue,
    "changes_reported": ev.ChangesReported,
    "transfer_advised": ev.TransferAdvised,
    "transfer_due_changed": ev.TransferDueChanged,
}
# the member's standing, as the domain names it → as every member event names it
WIRE_NAMES = {"home_org_id": "outflow_org_id", "home_county": "outflow_county"}
WIRE_NAMES |= {"status": "mobile_status"}

AGREEMENT_CONTRACTS: dict[str, type[IntegrationEvent]] = {
    "proposed": ev.AgreementProposed,
    "approved": ev.AgreementApproved,
    "activated": ev.AgreementActivated,
    "revoked": ev.AgreementRevoked,
}


def on_the_wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A member's standing (``domain.mobility.standing``) named as member events name it."""
    return {WIRE_NAMES.get(k, k): v for k, v in fields.items()}


def registered_event(file: Mapping[str, Any]) -> Encoded:
    """The ``MemberRegistered`` of a new file, from the file as stored (``members.new_file``):
    the data ``member_events([profile_changed(member, new=True)])`` gives, without building
    the file's model, the domain event and the contract (bulk imports; a test compares them)."""
    profile = file["profile"]
    facts = {
        "member_id": file["id"],
        **{WIRE_NAMES.get(name, name): file[name] for name in STANDING},
        "self_withdrawal": file.get("withdrawal") is not None,
        "transfer_due": False,  # a new file has not been told to transfer
        **{name: profile[name] for name in PROFILE_FACTS},
        "home_site_id": file["site_id"],
        "last_org_life_on": file["last_org_life_on"],
        "free_time": profile["free_time"],
        "birth_year": int(born[:4]) if (born := profile["birth_date"]) else None,
        "id_masked": file["id_masked"],
    }
    return Encoded(ev.MemberRegistered, {name: facts[name] for name in _REGISTERED_FIELDS})


_REGISTERED_FIELDS = tuple(ev.MemberRegistered.model_fields)


def member_events(happened: Sequence[Happened]) -> list[IntegrationEvent]:
    """Each member event names both sides (dual management) and the standing after it."""
    return to_contracts(
        MEMBER_CONTRACTS, [Happened(h.kind, on_the_wire(h.fields)) for h in happened]
    )


def agreement_events(agreement: Agreement, happened: Sequence[Happened]) -> list[IntegrationEvent]:
    """Every agreement event names the agreement and its parties; proposals carry the terms."""
    return to_contracts(AGREEMENT_CONTRACTS, happened, terms(agreement))


def terms(agreement: Agreement) -> dict[str, Any]:
    return {
        "agreement_id": agreement.id,
        "parties": list(agreement.parties),
        "purposes": list(agreement.purposes),
        "fields": {k: list(v) for k, v in agreement.fields.items()},
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
    }
