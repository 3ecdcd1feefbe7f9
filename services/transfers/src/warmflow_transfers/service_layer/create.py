"""Apply for a transfer: one open case per member; with an ``Idempotency-Key`` a retried request
finds the same case.

The case id is derived from the member and how many cases they had, so "one open case" is the
store's unique ``_id``: applications at the same moment (the member on the phone, the home branch
on the console) count alike and only one is stored — no transaction, no second open case. The
caller and key are kept on the case (``request_key``) with the request's hash, so a retry finds
its case, and the same key with a different body is refused instead of silently returning it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Conflict, Forbidden
from warmflow_shared.events.happened import Happened
from warmflow_shared.scope import Orgs
from warmflow_shared.storage.port import DuplicateKeyError

from warmflow_transfers.domain.codes import TERMINAL
from warmflow_transfers.domain.eligibility import MemberFacts, check_eligible, on_file
from warmflow_transfers.domain.errors import BadValue, Refused
from warmflow_transfers.domain.lifecycle import Application, check_parties, open_case
from warmflow_transfers.domain.model import EXTERNAL, Actor, Case, Party
from warmflow_transfers.domain.rules import reason_text
from warmflow_transfers.service_layer.context import Transfers
from warmflow_transfers.service_layer.projections import member_facts, party
from warmflow_transfers.service_layer.scope import SIDE_ROLES, acts_for, organisations_of
from warmflow_transfers.service_layer.steps import save


@dataclass(frozen=True)
class NewCase:
    member_id: str
    receiving_org_id: str
    reason: str

    def digest(self) -> str:
        return hashlib.sha256(orjson.dumps(self.__dict__, option=orjson.OPT_SORT_KEYS)).hexdigest()


OPEN_CASE = "该党员已有正在办理的组织关系转接，请先办结或撤销"


def request_key_for(principal: Principal, key: str | None) -> str:
    """The caller's key as the case keeps it (before ``request_key``, the case's own id)."""
    if key is None:
        return ""
    return "tr-" + hashlib.sha256(f"{principal.subject}\x00{key}".encode()).hexdigest()[:32]


async def create_case(
    ctx: Transfers, principal: Principal, cmd: NewCase, key: str | None
) -> tuple[Case, bool]:
    """The case, and whether this call created it (False: a replay of the same request)."""
    request_key = request_key_for(principal, key)
    if request_key and (earlier := await _replay(ctx, request_key, cmd)) is not None:
        return earlier, False
    try:
        case = await _application(ctx, principal, cmd, request_key)
        await save(ctx, None, case, [Happened("requested", {"reason": case.reason})])
    except (DuplicateKeyError, Refused) as refused:
        # a concurrent retry with the same key may have won (and now is "the open case")
        earlier = await _replay(ctx, request_key, cmd) if request_key else None
        if earlier is not None:
            return earlier, False
        if isinstance(refused, DuplicateKeyError):  # another application was stored first
            raise Refused(OPEN_CASE) from None
        raise
    return case, True


async def _replay(ctx: Transfers, request_key: str, cmd: NewCase) -> Case | None:
    where = {"$or": [{"state.request_key": request_key}, {"_id": request_key}]}
    found = await ctx.cases.collection.find(where, limit=1)
    if not found:
        return None
    case = Case.from_state(found[0]["state"])
    if case.request_hash != cmd.digest():
        raise Conflict("该幂等键（Idempotency-Key）已用于内容不同的另一份申请，请更换幂等键")
    return case


async def _application(
    ctx: Transfers, principal: Principal, cmd: NewCase, request_key: str
) -> Case:
    facts = on_file(await member_facts(ctx, cmd.member_id))
    sending = await party(ctx, facts.home_org_id)
    if sending is None:
        raise Refused("转出党组织尚未在本系统登记，无法办理组织关系转接")
    receiving = await party(ctx, cmd.receiving_org_id)
    if receiving is None:
        raise BadValue("receiving_org_id", "接收党组织不存在")
    # who may apply, before anything of the member (dues, status) is said to the caller
    _may_apply(principal, facts, sending, receiving, await organisations_of(ctx, principal))
    # then what is wrong with the form, at its field, before the member's dues or status: a
    # member told first to pay dues would pay, come back and only then learn the form was wrong
    check_parties(sending, receiving)
    reason_text(cmd.reason)
    member = check_eligible(facts, ctx.today())
    case_id = await _next_case_id(ctx, member.member_id)  # counted before the open case check
    await _no_open_case(ctx, member.member_id)
    app = Application(
        case_id,
        member.member_id,
        member.name,
        sending,
        receiving,
        cmd.reason,
        cmd.digest(),
        card=member.card,
        request_key=request_key,
    )
    applicant = Actor(principal.subject, None, principal.role, principal.name)
    return open_case(app, applicant, ctx.now())


def _may_apply(
    principal: Principal, member: MemberFacts, sending: Party, receiving: Party, orgs: Orgs
) -> None:
    """The member applies, or the home (sending) organisation applies on their behalf; for a
    home organisation not on the platform, the receiving side applies on its paper letter."""
    if principal.role == "member" and principal.member_id == member.member_id:
        return
    acting_for = receiving if sending.county == EXTERNAL else sending
    if principal.role in SIDE_ROLES["sending"] and acts_for(principal, acting_for, orgs):
        return
    raise Forbidden("只有党员本人或其所在（转出）党组织可以申请组织关系转接")


async def _next_case_id(ctx: Transfers, member_id: str) -> str:
    """The id of the member's next case: the member and how many cases they had. Applications at
    the same moment count alike and take the same id, so the store lets one in. Counted before
    the check for an open case: an application that counts another's stored case also finds it
    open (the count only grows; a case closing does not change it)."""
    had = await ctx.cases.collection.count({"state.member_id": member_id})
    return "tr-" + hashlib.sha256(f"{member_id}\x00{had}".encode()).hexdigest()[:32]


async def _no_open_case(ctx: Transfers, member_id: str) -> None:
    where = {"state.member_id": member_id, "state.status": {"$nin": sorted(TERMINAL)}}
    if await ctx.cases.collection.count(where):
        raise Refused(OPEN_CASE)
