"""Who receives a rule's notices, resolved from notify's own projections and staff directory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from warmflow_shared.agreements import MANAGEMENT, shares

from warmflow_notify.domain.digest import phone_tail
from warmflow_notify.domain.model import (
    Recipient,
    bot_recipient_id,
    member_recipient_id,
    staff_recipient_id,
)
from warmflow_notify.domain.preferences import Preferences
from warmflow_notify.domain.rules import INFLOW_KEYS, OUTFLOW_KEYS, Rule, Side
from warmflow_notify.domain.variables import COUNTY_FIELDS
from warmflow_notify.service_layer.directory import Directory
from warmflow_notify.service_layer.preferences_repo import PreferenceRepository
from warmflow_notify.service_layer.projections import Projections

Data = Mapping[str, Any]
Names = dict[str, str | None]
Checked = tuple[Preferences | None, int]  # the member's preferences, the cache's epoch
FirstRead = tuple[Mapping[str, Any] | None, Checked]  # the member's projection, ``check``


def _first(data: Data, keys: tuple[str, ...]) -> str | None:
    return next((data[key] for key in keys if data.get(key)), None)


def staff_recipient(doc: Mapping[str, Any]) -> Recipient:
    return Recipient(
        staff_recipient_id(doc["_id"]), "staff", doc.get("name"), doc.get("email"), doc.get("phone")
    )


@dataclass(frozen=True)
class Known:
    """What one event's recipients and template names need, fetched in one go."""

    member: Mapping[str, Any] | None
    organisations: Mapping[str, Mapping[str, Any]]
    staff: list[Mapping[str, Any]]
    bots: Mapping[str, Mapping[str, Any]]
    site: Mapping[str, Any] | None
    lineages: Mapping[str, list[str]]  # served organisation → itself and its ancestors
    counties: Mapping[str, Mapping[str, Any]]  # root organisation of each county the event names
    targets: Mapping[str, str | None]  # organisation of each staff side
    epoch: int  # the slow-changing cache as checked for this event
    prefs: Mapping[str, Preferences]  # the member's, read with the check
    agreements: list[dict[str, Any]] | None = None  # read with the rest when a side may need it


# staff sides that may belong to another county than the member's home county; the county
# that acted (``county`` of a support event) is never left out: the record is its own
OTHER_COUNTY_SIDES: dict[str, tuple[str, ...]] = {
    "inflow": ("inflow_county",),
    "site": ("county", "inflow_county"),
}
# sides whose organisation is found from the member's projection, not the event
MEMBER_ORG_SIDES = frozenset({"county", "other"})


class Recipients:
    def __init__(
        self,
        projections: Projections,
        directory: Directory,
        preferences: PreferenceRepository,
        clock: Callable[[], datetime],
    ) -> None:
        self._projections = projections
        self._directory = directory
        self._preferences = preferences
        self._clock = clock

    async def check(self, data: Data) -> Checked:
        """The event's member's preferences and, in the same read, the slow-changing cache's
        check (``PreferenceRepository.get_checking``)."""
        member_id = data.get("member_id")
        return await self._preferences.get_checking(
            member_recipient_id(member_id) if member_id else None
        )

    async def resolve(
        self, rule: Rule, data: Data, first: FirstRead | None = None
    ) -> tuple[list[Recipient], Names, Mapping[str, Any] | None, dict[str, Preferences]]:
        """The rule's recipients, the names templates may use, the member's projection (if
        the event names a member) and the recipients' preferences, in a few round trips.

        ``first``: the member's projection (as just written by the event) and ``check``'s
        answer, when the caller has them; else they are read here, together.

        Staff of another county than the member's home county are left out unless a
        data-sharing agreement in force lets them see the member (as the registry decides);
        a transfer's receiving organisation is a party to the case and is always told.
        """
        known = await self._fetch(rule, data, first)
        sides = [side for side in rule.sides if await self._may_see(side, data, known)]
        # the staff member who acted knows: the others of their organisation are told
        actor = data.get(rule.actor) if rule.actor else None
        acted = staff_recipient_id(actor) if actor else None
        found: dict[str, Recipient] = {}
        for side in sides:  # one after another: at most one side reads (a site's or class's)
            for recipient in await self._side(side, data, known):
                found.setdefault(recipient.id, recipient)
        recipients = [recipient for recipient in found.values() if recipient.id != acted]
        prefs = await self._prefs(recipients, known)
        return recipients, _names(data, known), known.member, prefs

    async def _prefs(self, recipients: list[Recipient], known: Known) -> dict[str, Preferences]:
        """The event's member's preferences came with the first read; staff and bots' come from
        the cache (or one read), other members' (a class) from one read."""
        prefs = dict(known.prefs)
        members = [r.id for r in recipients if r.kind == "member" and r.id not in prefs]
        others = [r.id for r in recipients if r.kind != "member"]
        if members:
            prefs.update(await self._preferences.get_many(members))
        if others:
            prefs.update(await self._preferences.get_cached(known.epoch, others))
        return prefs

    async def _agreements(self, known: Known) -> list[dict[str, Any]]:
        if known.agreements is not None:
            return known.agreements
        return await self._projections.agreements()

    async def _may_see(self, side: str, data: Data, known: Known) -> bool:
        member = known.member or {}
        if side == "other":  # the case is the acting county's: its partner sees it by agreement
            other, purpose = other_county(data, member), data.get("area") or MANAGEMENT
            agreements = await self._agreements(known)
            return shares(agreements, other, data.get("county"), self._clock(), purpose)
        if side not in OTHER_COUNTY_SIDES or not data.get("member_id"):
            return True
        if side == "inflow" and data.get("receiving_org_id"):
            return True  # a transfer's receiving side is a party to the case, agreement or not
        home = _first(data, HOME_KEYS) or member.get("outflow_county")
        county = _first(data, OTHER_COUNTY_SIDES[side]) or member.get("inflow_county")
        if home is None or county is None or county in (home, data.get("county")):
            return True
        return shares(await self._agreements(known), county, home, self._clock())

    async def member(self, member_id: str) -> Recipient:
        return _member(member_id, await self._projections.get("members", member_id))

    async def _fetch(self, rule: Rule, data: Data, first: FirstRead | None) -> Known:
        """One round of reads (unless ``first`` brings them): the member and, with its
        preferences, the slow-changing cache's generation. Then from the cache (reading only
        what it misses, i.e. after a change): every organisation the event names, the staff
        and bots of the served ones, the site, the agreements when a side may need them, the
        served organisations' ancestors and their staff and bots — awaited one after another,
        as they rarely read at all (a gather costs a task each, on every event)."""
        projections, member_id = self._projections, data.get("member_id")
        recipient_id = member_recipient_id(member_id) if member_id else None
        if first is None:
            first = await asyncio.gather(projections.get("members", member_id), self.check(data))
        member, (member_prefs, epoch) = first
        slow = SlowReads(projections, self._directory, epoch)
        # support events name no organisation: the member's projection does
        by_member = MEMBER_ORG_SIDES.intersection(rule.sides)
        targets = side_organisations(data, (member or {}) if by_member else {})
        orgs = sorted({org for side in ("outflow", "inflow") if (org := targets[side])})
        served = sorted({org for side, org in targets.items() if org and side in rule.sides})
        roots = sorted({county_root(data[k]) for k in COUNTY_KEYS if isinstance(data.get(k), str)})
        # a copy: lineages adds the ancestors it reads
        known_orgs = dict(await slow.organisations(sorted({*orgs, *served, *roots})))
        staff: list[Mapping[str, Any]] = [*await slow.staff_of_orgs(served)]
        bots = await slow.bots_of_orgs(served)
        site = await slow.site(data.get("site_id"))
        agreements = await slow.agreements() if _may_need_agreements(rule, data) else None
        lineages = await projections.lineages(served, known_orgs, slow.organisations)
        ancestors = sorted({org for chain in lineages.values() for org in chain} - set(served))
        if ancestors:
            more_staff = await slow.staff_of_orgs(ancestors)
            staff, bots = [*staff, *more_staff], {**bots, **await slow.bots_of_orgs(ancestors)}
        organisations = {org: known_orgs[org] for org in orgs if org in known_orgs}
        counties = {root: known_orgs[root] for root in roots if root in known_orgs}
        prefs = {recipient_id: member_prefs} if recipient_id and member_prefs is not None else {}
        return Known(
            member,
            organisations,
            staff,
            bots,
            site,
            lineages,
            counties,
            targets,
            epoch,
            prefs,
            agreements,
        )

    async def _side(self, side: Side, data: Data, known: Known) -> list[Recipient]:
        if side == "member":
            member_id = data.get("member_id")
            return [_member(member_id, known.member)] if member_id else []
        if side == "class":
            return await self._class(data)
        if side == "opener":
            return await self._opener(data)
        if side == "site":
            site_id = data.get("site_id")
            docs = await self._directory.staff_of_site(site_id) if site_id else []
            return [staff_recipient(d) for d in docs]
        org_id = known.targets.get(side)
        return _organisation(org_id, known) if org_id else []

    async def _opener(self, data: Data) -> list[Recipient]:
        """The staff member who opened the case (their token subject): in the directory, with
        its contacts; else their in-app inbox alone (keyed by the subject)."""
        subject = data.get("opened_by")
        if not isinstance(subject, str) or not subject:
            return []
        doc = await self._directory.staff_member(subject)
        return [staff_recipient(doc) if doc else Recipient(staff_recipient_id(subject), "staff")]

    async def _class(self, data: Data) -> list[Recipient]:
        if data.get("member_id"):
            return [await self.member(data["member_id"])]
        members = await self._projections.enrolled(data["class_id"])
        return list(await asyncio.gather(*(self.member(m) for m in members)))


class SlowReads:
    """The reads of organisations, sites, agreements, staff and bots, through the process's
    cache of them (``SlowChanging``) as checked for one event (``epoch``)."""

    def __init__(self, projections: Projections, directory: Directory, epoch: int) -> None:
        self._projections, self._directory = projections, directory
        self._cache, self._epoch = projections.slow, epoch

    async def organisations(self, org_ids: list[str]) -> dict[str, dict[str, Any]]:
        read = partial(self._projections.get_many, "organisations")
        return await self._cache.many(self._epoch, "organisations", org_ids, read)

    async def staff_of_orgs(self, org_ids: list[str]) -> list[dict[str, Any]]:
        read = partial(self._directory.staff_of_orgs, org_ids)
        return await self._cache.one(self._epoch, ("staff", *org_ids), read)

    async def bots_of_orgs(self, org_ids: list[str]) -> dict[str, dict[str, Any]]:
        return await self._cache.many(self._epoch, "bots", org_ids, self._directory.bots_of_orgs)

    async def site(self, site_id: str | None) -> dict[str, Any] | None:
        if not site_id:
            return None
        read = partial(self._projections.get, "sites", site_id)
        return await self._cache.one(self._epoch, ("sites", site_id), read)

    async def agreements(self) -> list[dict[str, Any]]:
        return await self._cache.one(self._epoch, ("agreements",), self._projections.agreements)


def _may_need_agreements(rule: Rule, data: Data) -> bool:
    """Whether ``_may_see`` may look at the agreements for one of the rule's sides."""
    other_county = data.get("member_id") and OTHER_COUNTY_SIDES.keys() & set(rule.sides)
    return "other" in rule.sides or bool(other_county)


def other_county(data: Data, member: Mapping[str, Any]) -> str | None:
    """The member's county that did not act (a support event's ``county`` is the one that did)."""
    home = _first(data, HOME_KEYS) or member.get("outflow_county")
    inflow = data.get("inflow_county") or member.get("inflow_county")
    return next((c for c in (home, inflow) if c and c != data.get("county")), None)


def _side_of(member: Mapping[str, Any], county: str | None) -> str | None:
    """The member's organisation in ``county``, else that county's committee."""
    if county is None:
        return None
    for side in ("outflow", "inflow"):
        if member.get(f"{side}_county") == county and member.get(f"{side}_org_id"):
            return str(member[f"{side}_org_id"])
    return county_root(county)


def side_organisations(data: Data, member: Mapping[str, Any]) -> dict[str, str | None]:
    county = data.get("county") if isinstance(data.get("county"), str) else None
    return {
        "outflow": _first(data, OUTFLOW_KEYS),
        "inflow": _first(data, INFLOW_KEYS),
        "county": _side_of(member, county),
        "county_admin": county_root(county) if county else None,
        "other": _side_of(member, other_county(data, member)),
    }


def _member(member_id: str, state: Mapping[str, Any] | None) -> Recipient:
    state = state or {}
    return Recipient(
        member_recipient_id(member_id),
        "member",
        state.get("name"),
        state.get("email"),
        state.get("phone"),
    )


def _organisation(org_id: str, known: Known) -> list[Recipient]:
    """The contacts of the organisation, or of its nearest ancestor that has any.

    A branch without its own contact is looked after by its town (then county) committee,
    which hears about it; a branch with its own contact is not doubled up to every level.
    """
    for org in known.lineages.get(org_id, [org_id]):
        staff = [staff_recipient(doc) for doc in known.staff if doc.get("org_id") == org]
        bot = known.bots.get(org)
        if bot is not None:
            staff.append(Recipient(bot_recipient_id(org), "bot", webhook_url=bot["url"]))
        if staff:
            return staff
    return []


def _names(data: Data, known: Known) -> Names:
    """Names templates may use; absent ones stay None (a missing field, never a blank)."""
    outflow = known.organisations.get(_first(data, OUTFLOW_KEYS) or "")
    inflow = known.organisations.get(_first(data, INFLOW_KEYS) or "")
    names: dict[str, str | None] = {
        "member_name": known.member.get("name") if known.member else None,
        # tells same-named members apart in staff's lists (digests); the number stays out
        "member_phone_tail": phone_tail(known.member.get("phone")) if known.member else None,
        "outflow_org_name": outflow.get("name") if outflow else None,
        "inflow_org_name": inflow.get("name") if inflow else None,
        "site_name": known.site.get("name") if known.site else None,
    }
    for key in COUNTY_KEYS:  # counties are data: their names come from their records
        root = known.counties.get(county_root(str(data.get(key))))
        if root and root.get("short_name"):
            names[f"{key}_name"] = root["short_name"]
    return names


COUNTY_KEYS = COUNTY_FIELDS
HOME_KEYS = ("outflow_county", "home_county")


def county_root(county: str) -> str:
    return f"{county}-county-committee"
