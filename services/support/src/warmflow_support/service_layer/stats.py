"""Statistics by county and site: needs, introductions, hires; cases, amounts and outcomes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel
from warmflow_shared.auth.principal import Principal
from warmflow_shared.errors import Forbidden
from warmflow_shared.scope import STAFF

from warmflow_support.service_layer.context import Support

NO_SITE = "(无站点)"


class TalentTally(BaseModel):
    needs: int = 0
    open_needs: int = 0
    introductions: int = 0
    accepted: int = 0
    hires: int = 0


class CaseTally(BaseModel):
    cases: int = 0
    approved: int = 0
    rejected: int = 0
    settled: int = 0
    amount_requested: Decimal = Decimal(0)
    amount_paid: Decimal = Decimal(0)
    visits: int = 0


class TalentStats(BaseModel):
    by_county: dict[str, TalentTally]
    by_site: dict[str, TalentTally]


class CaseStats(BaseModel):
    by_county: dict[str, CaseTally]
    by_site: dict[str, CaseTally]
    by_kind: dict[str, CaseTally]


def _scope(who: Principal) -> dict[str, object]:
    """Staff count their own county; auditors and ops every county (numbers, no member)."""
    if who.role in ("auditor", "ops"):
        return {}
    if who.role not in STAFF:
        raise Forbidden("仅限工作人员查看统计")
    return {"state.county": who.county}


async def talent(ctx: Support, who: Principal) -> TalentStats:
    where = _scope(who)
    county: defaultdict[str, TalentTally] = defaultdict(TalentTally)
    site: defaultdict[str, TalentTally] = defaultdict(TalentTally)
    for need in await ctx.needs.find(where):
        for tally in (county[need.county], site[need.site_id or NO_SITE]):
            tally.needs += 1
            tally.open_needs += need.status == "open"
            tally.hires += len(need.hired)
    for intro in await ctx.introductions.find(where):
        for tally in (county[intro.county], site[intro.site_id or NO_SITE]):
            tally.introductions += 1
            tally.accepted += intro.status in ("accepted", "hired", "not_hired")
    return TalentStats(by_county=dict(county), by_site=dict(site))


async def cases(ctx: Support, who: Principal) -> CaseStats:
    groups: dict[str, defaultdict[str, CaseTally]] = {
        name: defaultdict(CaseTally) for name in ("county", "site", "kind")
    }
    for case in await ctx.cases.find(_scope(who)):
        keys = {"county": case.county, "site": case.site_id or NO_SITE, "kind": case.kind}
        for name, key in keys.items():
            tally = groups[name][key]
            tally.cases += 1
            decisions = {s.action for s in case.history}
            tally.approved += "approved" in decisions
            tally.rejected += "rejected" in decisions
            tally.settled += case.settled_on is not None
            tally.amount_requested += case.amount or 0
            tally.amount_paid += case.paid_amount or 0
            tally.visits += len(case.visits)
    return CaseStats(
        by_county=dict(groups["county"]),
        by_site=dict(groups["site"]),
        by_kind=dict(groups["kind"]),
    )
