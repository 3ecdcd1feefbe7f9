"""``kill -9`` of ``warmflow run`` in the middle of a 3,000-row import (its relay and consumers
busy too), restart on the same data: the job resumes and reports what it did in total, every
file is whole, every event is applied exactly once by every consumer."""

from __future__ import annotations

import csv
import io
import itertools
import random
from datetime import date, datetime, timedelta

import httpx
import pytest
from warmflow_notify.service_layer.projections import TABLE as NOTIFY_TABLE
from warmflow_registry.domain.idnumber import check_character
from warmflow_registry.domain.model import Member
from warmflow_shared.agreements import CHINA
from warmflow_shared.events.catalog.registry import MEMBER_TOPIC

from .conftest import Crashable
from .observe import (
    applied_once,
    bus_lag,
    documents,
    outbox_backlog,
    published,
    quiet,
    wait_until,
)

pytestmark = pytest.mark.crash

ROWS = 3000
# each keeps a member projection; notify's takes only the profile events (its table says which)
CONSUMERS = {
    "transfers": None,
    "learning": None,
    "support": None,
    "notify": {kind for kind, (name, _, _) in NOTIFY_TABLE.items() if name == "members"},
}
HEADERS = ["姓名", "身份证号", "性别", "出生日期", "手机号码", "所在党支部", "人员类别", "入党日期",
           "党费缴至"]  # fmt: skip


def roster_csv(branch_code: str, rows: int) -> bytes:
    region, serial = f"34{random.randint(1000, 9999)}", itertools.count()
    today = datetime.now(CHINA)  # the transfer service's day: it needs dues paid up to it
    paid = f"{today.year}年{today.month}月"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for n in range(rows):
        born = date(1960, 1, 1) + timedelta(days=n % 12000)
        first17 = f"{region}{born:%Y%m%d}{next(serial) % 1000:03d}"
        number = first17 + check_character(first17)
        cells = [f"党员{n}", number, "男", born.isoformat(), f"139{n:08d}", branch_code]
        writer.writerow([*cells, "正式党员", "2010-07-01", paid])
    return out.getvalue().encode("utf-8")


def test_kill_9_mid_import_resumes_with_right_counts_and_exactly_once_effects(
    crashable: Crashable,
) -> None:
    c = crashable
    admin = c.headers("county_admin", "yuexi", orgs=["yuexi-county-committee"])
    branch = c.branch(admin, "导入")
    files = {"file": ("花名册.csv", roster_csv(branch["code"], ROWS), "text/csv")}
    started = httpx.post(f"{c.url}/api/registry/imports", files=files, headers=admin, timeout=60)
    assert started.status_code == 202, started.text
    job_path = f"/api/registry/imports/{started.json()['id']}"

    def job() -> dict[str, object]:
        response = httpx.get(f"{c.url}{job_path}", headers=admin, timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())

    wait_until("a third of the rows", lambda: int(str(job()["rows_done"])) >= ROWS // 3)
    seen = int(str(job()["rows_done"]))  # done before the kill: the job cannot resume below it
    at_kill = {"outbox_backlog": outbox_backlog(c.url), "bus_lag": bus_lag(c.data_dir)}
    c.process.kill()
    c.process.start()
    before = job()
    assert before["status"] == "running", "the kill must land inside the job"
    resumed = wait_until("the job done", lambda: job()["status"] == "done")
    drained = wait_until("outboxes and consumers drained", lambda: quiet(c.data_dir, c.url))
    done = job()
    c.process.stop()

    counts = tuple(done[k] for k in ("rows_done", "created", "updated", "unchanged", "rejected"))
    assert counts == (ROWS, ROWS, 0, 0, 0), done
    # a kill inside a chunk: resumed once, from what was stored at the kill — at least what was
    # seen done before it, at most what the restarted job showed first (on a slow start, its
    # chunk lease may already have lapsed and a chunk been done before that first look). A kill
    # between one chunk's save and the next chunk's start cut nothing short: no resume to note.
    resumed_at_rows = list(done["resumed_at_rows"])  # type: ignore[call-overload]
    assert len(resumed_at_rows) <= 1, resumed_at_rows
    for resumed_at in resumed_at_rows:
        assert seen <= resumed_at <= int(str(before["rows_done"])), (seen, resumed_at, before)
    mine = {"state.home_org_id": branch["id"]}
    files_of_branch = documents(c.data_dir, "registry", "members", mine)
    whole = [
        d
        for d in files_of_branch
        if (d["version"], d["_outbox_seq"], d["_sent_seq"]) == (1, 1, 1)
        and Member.model_validate(d["state"]).imported_by == done["id"]
    ]
    assert (len(files_of_branch), len(whole)) == (ROWS, ROWS)
    ids = {d["_id"] for d in files_of_branch}
    records, events = published(c.data_dir, MEMBER_TOPIC, ids)
    assert (len(events), set(events.values())) == (ROWS, {"registry.MemberRegistered"})
    effects = {
        service: applied_once(
            documents(c.data_dir, service, "members", {"_id": {"$in": sorted(ids)}}),
            {e for e, kind in events.items() if kinds is None or kind in kinds},
        )
        for service, kinds in CONSUMERS.items()
    }
    stats = documents(c.data_dir, "registry", "stats", {"_id": f"org:{branch['id']}"})
    counted = documents(c.data_dir, "registry", "stats_members", {"_id": {"$in": sorted(ids)}})
    effects["registry.stats"] = applied_once(counted, set(events))
    assert effects == {name: (ROWS, ROWS) for name in effects}
    assert stats[0]["state"]["on_file"] == ROWS
    c.figures.update(
        rows=ROWS,
        killed_at_rows=before["rows_done"],
        at_kill=at_kill,
        resumed_in_s=round(resumed, 1),
        drained_in_s=round(drained, 1),
        member_records_published=records,
        distinct_events=len(events),
        job=counts,
        effects=effects,
        on_file=stats[0]["state"]["on_file"],
    )
