"""The home organisation a roster row names: by id, code or name, within the importer's scope."""

from __future__ import annotations

from warmflow_registry.domain.import_columns import org_name_variants
from warmflow_registry.domain.organisation import Organisation
from warmflow_registry.service_layer.counties import county_records, display_name
from warmflow_registry.service_layer.import_context import RowContext, reject
from warmflow_registry.service_layer.scope import manages_org


async def row_organisation(ctx: RowContext, text: str, *, field: str | None = None) -> Organisation:
    org_field = field or ctx.columns.org_field
    if not text:
        raise reject(org_field, "必填项，不能为空")
    if text not in ctx.orgs:
        ctx.orgs[text] = await _resolve(ctx, text)
    found = ctx.orgs[text]
    if isinstance(found, str):
        raise reject(org_field, found)
    return found


async def _resolve(ctx: RowContext, text: str) -> Organisation | str:
    """By id, code or name; a name several organisations share must be narrowed to one's own."""
    collection = ctx.registry.stores.organisations.collection
    docs = await collection.find({"_id": text}, limit=2)
    docs = docs or await collection.find({"state.code": text}, limit=20)
    docs = docs or await collection.find({"state.name": text}, limit=20)
    for name in [] if docs else await _shorter_names(ctx, text):
        docs = await collection.find({"state.name": name, "state.county": ctx.principal.county})
        if docs:
            break
    candidates = [Organisation.model_validate(doc["state"]) for doc in docs]
    if not candidates:
        return f"党组织“{text}”不存在，请核对名称或改填党组织编码"
    managed = [org for org in candidates if await manages_org(ctx.registry, ctx.principal, org)]
    if not managed:
        return "该组织不在您的管理范围内"
    if len(managed) > 1:
        return "组织名称不唯一，请改填党组织编码"
    return managed[0]


async def _shorter_names(ctx: RowContext, text: str) -> list[str]:
    """The name as the platform spells it (no spaces, ASCII digits), and without 中共 and the
    importer's county (and its province and city) in front."""
    for county in await county_records(ctx.registry):
        if county.county == ctx.principal.county:
            return org_name_variants(text, display_name(county), county.province)
    return []
