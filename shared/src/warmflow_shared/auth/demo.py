"""Demo users for the embedded default, one per role and county that the walkthroughs need."""

from __future__ import annotations

from collections.abc import Mapping

from warmflow_shared.auth.principal import Principal

DEMO_USERS: Mapping[str, Principal] = {
    "yuhang-admin": Principal(
        subject="demo-yuhang-admin",
        name="余杭区管理员（演示）",
        role="county_admin",
        county="yuhang",
        organisations=("yuhang-mobile-committee",),
    ),
    "yuexi-admin": Principal(
        subject="demo-yuexi-admin",
        name="岳西县管理员（演示）",
        role="county_admin",
        county="yuexi",
        organisations=("yuexi-county-committee",),
    ),
    "songyang-admin": Principal(
        subject="demo-songyang-admin",
        name="松阳县管理员（演示）",
        role="county_admin",
        county="songyang",
        organisations=("songyang-county-committee",),
    ),
    "yuhang-org-admin": Principal(
        subject="demo-yuhang-org-admin",
        name="人工智能小镇党委（演示）",
        role="org_admin",
        county="yuhang",
        organisations=("yuhang-ai-town-committee",),
    ),
    "yuhang-site-staff": Principal(
        subject="demo-yuhang-site-staff",
        name="暖流之家工作人员（演示）",
        role="site_staff",
        county="yuhang",
        organisations=("yuhang-ai-town-committee",),
        site_id="yuhang-ai-town-home",
    ),
    "yuexi-member": Principal(
        subject="demo-yuexi-member",
        role="member",
        county="yuexi",
        organisations=("yuexi-demo-branch",),
        member_id="demo-member-001",
    ),
    "songyang-member": Principal(
        subject="demo-songyang-member",
        role="member",
        county="songyang",
        organisations=("songyang-town-1-b1",),
        member_id="demo-member-002",
    ),
    "ops": Principal(subject="demo-ops", role="ops"),
    "auditor": Principal(subject="demo-auditor", role="auditor"),
}
