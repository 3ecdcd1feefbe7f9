"""Roster rows of members whose home organisation is not on the platform (issue 13).

A row with a home region code (户籍地行政区划代码) names an external branch in its organisation
column: it is matched or recorded (``external.register_external``). The member is filed at the
inflow organisation the row names (流入地党组织, one the importer manages; by default the
importer's own) as that home organisation reported: by the row's 报告方式/报告人/报告日期/函号,
or else as the roster itself (来函, "导入名册", the import date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from warmflow_shared.errors import InvalidInput

from warmflow_registry.domain.external import HomeReport
from warmflow_registry.domain.import_columns import ELSEWHERE
from warmflow_registry.domain.mobility import today
from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer import external
from warmflow_registry.service_layer.commands import RegisterExternalOrganisation
from warmflow_registry.service_layer.import_context import RowContext, reject
from warmflow_registry.service_layer.import_orgs import row_organisation


@dataclass(frozen=True)
class Elsewhere:
    inflow: Organisation
    report: HomeReport


def split_elsewhere(fields: dict[str, Any]) -> dict[str, Any]:
    """Take the external-home columns out of the row's fields (they are not the profile)."""
    return {key: fields.pop(key) for key in ELSEWHERE if key in fields}


# what a row naming the platform's own organisation, or a region a county on the platform
# governs, is asked to do instead (the roster's columns, not the console's choice list)
ON_THE_PLATFORM = "请在党组织列填写该组织（名称或编码），并清空户籍地行政区划代码等外地组织各列"


async def external_home(ctx: RowContext, name: str, cells: dict[str, Any]) -> Organisation:
    key = f"{cells['home_region_code']}|{name}"
    if key not in ctx.homes:
        ctx.homes[key] = await _record(ctx, name, cells)
    found = ctx.homes[key]
    if isinstance(found, tuple):
        raise reject(*found)
    return found


async def _record(
    ctx: RowContext, name: str, cells: dict[str, Any]
) -> Organisation | tuple[str, str]:
    """The external branch the row names, or the column and reason it is refused for."""
    region = str(cells["home_region_code"])
    try:
        await external.refuse_platform_name(
            ctx.registry, name, ctx.columns.org_field, ON_THE_PLATFORM
        )
        await external.refuse_platform_region(
            ctx.registry, region, "home_region_code", ON_THE_PLATFORM
        )
    except InvalidInput as exc:  # one error, at body.<the field named above>
        refused = exc.errors[0]
        return refused.field.removeprefix("body."), refused.reason
    try:
        cmd = RegisterExternalOrganisation(
            name=name,
            region_code=region,
            contact_name=cells.get("home_contact"),
            contact_phone=cells.get("home_contact_phone"),
        )
        org, _ = await external.register_external(ctx.registry, cmd, str(ctx.principal.county))
    except ValidationError as exc:
        return "home_region_code", "；".join(str(e["msg"]) for e in exc.errors())
    except InvalidInput as exc:
        return "home_region_code", "；".join(e.reason for e in exc.errors) or exc.title
    return org


async def arrival(ctx: RowContext, cells: dict[str, Any]) -> Elsewhere:
    inflow_text = cells.get("inflow_org") or next(iter(ctx.principal.organisations), "")
    if not inflow_text:
        raise reject("inflow_org", "户籍地党组织不在本平台时，须填写流入地党组织")
    inflow = await row_organisation(ctx, str(inflow_text), field="inflow_org")
    if inflow.is_external:
        raise reject("inflow_org", "流入地党组织须为本平台管理的组织")
    on = cells.get("report_on") or today(ctx.registry.now()).isoformat()
    try:
        report = HomeReport(
            channel=cells.get("report_channel") or "letter",
            reporter=cells.get("reporter") or "导入名册",
            on=date.fromisoformat(str(on)),
            reference=cells.get("report_reference"),
        )
    except ValueError:
        raise reject("report_on", "日期格式不正确，如 2026-03-01") from None
    return Elsewhere(inflow, report)
