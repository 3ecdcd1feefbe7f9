"""What exists out of the box: the counties' roots, the demo organisations, the agreements.

Ids are stable because tokens (``warmflow_shared.auth.demo``) and other services refer to them.
"""

from __future__ import annotations

from warmflow_registry.domain.organisation import ALL_SERVICES

ROOT_ORGANISATIONS: list[dict[str, str | None]] = [
    {
        "id": "yuhang-county-committee",
        "code": "YH",
        "name": "中共杭州市余杭区委员会",
        "type_code": "county",
        "parent_id": None,
        "county": "yuhang",
        "short_name": "余杭区",
        "region_code": "330110",
        "province": "浙江省",
    },
    {
        "id": "yuexi-county-committee",
        "code": "YX",
        "name": "中共岳西县委员会",
        "type_code": "county",
        "parent_id": None,
        "county": "yuexi",
        "short_name": "岳西县",
        "region_code": "340828",
        "province": "安徽省",
    },
    {
        "id": "songyang-county-committee",
        "code": "SY",
        "name": "中共松阳县委员会",
        "type_code": "county",
        "parent_id": None,
        "county": "songyang",
        "short_name": "松阳县",
        "region_code": "331124",
        "province": "浙江省",
    },
    {
        "id": "yuhang-mobile-committee",
        "code": "YHLD",
        "name": "余杭区流动党员综合党委",
        "type_code": "mobile",
        "parent_id": "yuhang-county-committee",
        "county": "yuhang",
        "province": "浙江省",
    },
    {
        "id": "yuhang-ai-town-committee",
        "code": "YHAI",
        "name": "余杭区人工智能小镇党委",
        "type_code": "town",
        "parent_id": "yuhang-county-committee",
        "county": "yuhang",
        "province": "浙江省",
    },
]

ROOT_SITES: list[dict[str, object]] = [
    {
        "id": "yuhang-ai-town-home",
        "name": "人工智能小镇暖流之家",
        "level": "town_platform",
        "county": "yuhang",
        "org_id": "yuhang-ai-town-committee",
        "address": "浙江省杭州市余杭区文一西路人工智能小镇",
        "latitude": 30.2797,
        "longitude": 120.0195,
        "opening_hours": "周一至周五 09:00-17:30",
        "services": list(ALL_SERVICES),
    }
]

# 共管共育: Yuhang's agreements with the home counties of many of its inflow members. Active out
# of the box (both parties approved when seeded), all four purposes with the default fields.
SEEDED_AGREEMENTS: list[dict[str, object]] = [
    {
        "id": f"yuhang-{other}-2024",
        "title": f"余杭区—{name}流动党员共管共育协议",
        "parties": sorted(["yuhang", other]),
        "pair": "+".join(sorted(["yuhang", other])),
        "purposes": ["hardship_aid", "industry", "talent", "management"],
        "fields": {},
        "valid_from": "2024-01-01",
        "valid_until": "2029-12-31",
    }
    for other, name in (("yuexi", "岳西县"), ("songyang", "松阳县"))
]
