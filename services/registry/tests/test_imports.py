"""Bulk import and export through the gateway, on the embedded adapters and the real servers."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import random
import uuid
import zipfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio
import xlwt
from asgi_lifespan import LifespanManager
from openpyxl import Workbook, load_workbook
from warmflow_gateway.platform import create_platform_app
from warmflow_registry.adapters.import_files import ROWS_COLLECTION
from warmflow_registry.domain.idnumber import check_character, mask
from warmflow_registry.domain.import_job import ImportJob
from warmflow_registry.service_layer import imports as import_jobs
from warmflow_registry.service_layer.imports import Imports
from warmflow_shared.settings import WarmflowSettings
from warmflow_shared.testing.loop_turns import WorkBetweenTurns
from warmflow_shared.testing.servers import backend_options

from .conftest import PAIRS, FakeClock, Platform

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADERS = [
    "姓名", "身份证号", "性别", "出生日期", "民族", "学历", "手机号码", "所在党支部",
    "人员类别", "入党日期", "转正日期", "工作单位", "现居住地", "党费缴至",
]  # fmt: skip
FORMULA = '=HYPERLINK("http://evil.example","点我")'
REGION = f"34{random.randint(1000, 9999)}"  # per run: no clash with files from earlier runs
SEQUENCE = itertools.count()


class Finished:
    """Jobs the service reports done (an after-chunk hook): tests wait on it, never poll."""

    def __init__(self, imports: Imports) -> None:
        self.ids: set[str] = set()
        self.changed = asyncio.Event()
        imports.after_chunk.append(self.note)

    async def note(self, job: ImportJob) -> None:
        if job.status == "done":
            self.ids.add(job.id)
            self.changed.set()

    async def wait(self, job_id: str) -> None:
        while job_id not in self.ids:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), timeout=120)


@dataclass
class ImportPlatform(Platform):
    finished: Finished | None = None


@pytest.fixture(scope="module", params=PAIRS)
def module_backends(request: pytest.FixtureRequest) -> dict[str, Any]:
    return backend_options(request, request.param)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(
    module_backends: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ImportPlatform]:
    """One platform per backend for the whole module: starting four services is the slow part."""
    data_dir = tmp_path_factory.mktemp("imports")
    settings = WarmflowSettings(service="gateway", data_dir=data_dir, **module_backends)
    app = create_platform_app(settings)
    registry_app = app.state.services[0].app
    clock = FakeClock()
    registry_app.state.registry.clock = clock
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=120) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            runtime = app.state.services[0].runtime
            p = ImportPlatform(client, settings, registry_app.state.registry, runtime, clock)
            p.finished = Finished(registry_app.state.imports)
            yield p


def new_id(born: date) -> str:
    """Unique within a run (a counter, not chance: a repeated number would merge two rows)."""
    first17 = f"{REGION}{born:%Y%m%d}{next(SEQUENCE) % 1000:03d}"
    return first17 + check_character(first17)


@dataclass
class Roster:
    branch: str
    code: str
    name: str
    admin: dict[str, str]
    subject: str


async def roster(p: Platform) -> Roster:
    uid = uuid.uuid4().hex[:12]
    subject = f"importer-{uid}"
    admin = p.headers("county_admin", "yuexi", orgs=["yuexi-county-committee"], subject=subject)
    branch = {
        "id": f"yx-imp-{uid}",
        "code": f"IMP{uid}",
        "name": f"岳西县导入测试党支部{uid}",
        "type_code": "branch",
        "parent_id": "yuexi-county-committee",
        "county": "yuexi",
    }
    created = await p.client.post("/api/registry/organisations", json=branch, headers=admin)
    assert created.status_code == 201, created.text
    return Roster(branch["id"], branch["code"], branch["name"], admin, subject)


def person(org: str, born: date = date(1990, 5, 17), **changes: str) -> dict[str, str]:
    row = {
        "姓名": "王晓梅", "身份证号": new_id(born), "性别": "女", "出生日期": born.isoformat(),
        "民族": "汉族", "学历": "本科", "手机号码": "139 0556 1234", "所在党支部": org,
        "人员类别": "正式党员", "入党日期": "2012.06.30", "转正日期": "2013年6月30日",
        "工作单位": "杭州某科技有限公司", "现居住地": "浙江省杭州市余杭区", "党费缴至": "2026年3月",
    }  # fmt: skip
    row.update(changes)
    return row


def xlsx(rows: Sequence[dict[str, str]], headers: Sequence[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["岳西县流动党员花名册"])  # a title row above the header, as offices keep it
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Sequence[dict[str, str]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([row.get(h, "") for h in HEADERS] for row in rows)
    return out.getvalue().encode(encoding)


async def run_import(
    p: ImportPlatform, headers: dict[str, str], name: str, data: bytes
) -> dict[str, Any]:
    files = {"file": (name, data, "application/octet-stream")}
    started = await p.client.post("/api/registry/imports", files=files, headers=headers)
    assert started.status_code == 202, started.text
    assert p.finished is not None
    await p.finished.wait(started.json()["id"])
    url = f"/api/registry/imports/{started.json()['id']}?size=200"
    response = await p.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def member_docs(p: Platform, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    hashes = [p.registry.vault.search_hash(n) for n in numbers]
    docs = await p.registry.stores.members.collection.find({"state.id_hash": {"$in": hashes}})
    return {doc["state"]["id_masked"]: doc for doc in docs}


def counts(job: dict[str, Any]) -> tuple[int, int, int, int]:
    return job["created"], job["updated"], job["unchanged"], job["rejected"]


def versions(docs: dict[str, dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Each file's version and how many events it has ever put in its outbox."""
    return {key: (doc["version"], doc["_outbox_seq"]) for key, doc in docs.items()}


def mixed_rows(r: Roster) -> list[dict[str, str]]:
    good = person(r.code)
    bad_check = person(r.code, 姓名="李强")
    bad_check["身份证号"] = bad_check["身份证号"][:17] + (
        "0" if bad_check["身份证号"][17] != "0" else "1"
    )
    return [
        good,  # row 3
        person(r.code, 手机号码="12345"),  # 4
        bad_check,  # 5
        person("yuhang-ai-town-committee"),  # 6: an organisation of another county
        person(r.name, 人员类别="预备党员", 转正日期="", 入党日期="2020年7月1日"),  # 7
        person("不存在的党支部"),  # 8
        person(r.code, 入党日期="2015-07-01", 转正日期="2014-07-01"),  # 9
        person(r.code, 姓名="赵敏"),  # 10 (a formula never calculated: test_import_formulas)
        person(r.code, 性别="未知"),  # 11
        person(r.branch, 出生日期="1990-05-18"),  # 12: differs from the ID number's birth date
        dict(good),  # 13: the same person again: neither row 3 nor 13 is applied
    ]


async def test_a_mixed_file_reports_each_bad_row_and_reimporting_changes_nothing(
    platform: ImportPlatform,
) -> None:
    r = await roster(platform)
    rows = mixed_rows(r)
    data = xlsx(rows)
    job = await run_import(platform, r.admin, "花名册.xlsx", data)
    assert (job["total"], job["rows_done"], counts(job)) == (11, 11, (2, 0, 0, 9))
    report = {
        (e["row"], p["column"]): p["reason"] for e in job["report"]["items"] for p in e["problems"]
    }
    assert sorted(report) == [
        (3, "身份证号"), (4, "手机号码"), (5, "身份证号"), (6, "所在党支部"), (8, "所在党支部"),
        (9, "转正日期"), (11, "性别"), (12, "身份证号"), (13, "身份证号"),
    ]  # fmt: skip
    assert report[(3, "身份证号")] == report[(13, "身份证号")]
    assert "出现2次（第3行、第13行）" in report[(3, "身份证号")]
    assert "手机号码应为11位" in report[(4, "手机号码")]
    assert "校验位" in report[(5, "身份证号")]
    assert "管理范围" in report[(6, "所在党支部")]
    assert "不存在，请核对名称或改填党组织编码" in report[(8, "所在党支部")]
    assert "不能早于入党日期" in report[(9, "转正日期")]
    assert "男" in report[(11, "性别")]
    assert "出生日期" in report[(12, "身份证号")]
    good = [rows[7]["身份证号"], rows[4]["身份证号"]]
    before = await member_docs(platform, [row["身份证号"] for row in rows])
    assert sorted(before) == sorted(mask(n) for n in good)  # no half member from a bad row
    probationary = before[mask(rows[4]["身份证号"])]["state"]["profile"]
    assert probationary["party_status"] == "probationary"
    assert probationary["joined_on"] == "2020-07-01"

    collection = platform.registry.stores.members.collection
    reads: list[str] = []
    get = collection.get

    async def counted_get(doc_id: str) -> dict[str, Any] | None:
        reads.append(doc_id)
        return await get(doc_id)

    collection.get = counted_get  # type: ignore[method-assign]
    try:
        again = await run_import(platform, r.admin, "花名册.xlsx", data)
    finally:
        del collection.get
    assert counts(again) == (0, 0, 2, 9)
    # an unchanged row is decided on the chunk's one reading: no trip to the store of its own
    assert not set(reads) & {doc["_id"] for doc in before.values()}
    after = await member_docs(platform, good)
    assert versions(after) == versions(before) == {key: (1, 1) for key in before}

    rows[7]["手机号码"] = "13800000000"
    changed = await run_import(platform, r.admin, "花名册.xlsx", xlsx(rows[7:8]))
    assert (changed["updated"], changed["unchanged"]) == (1, 0)
    moved = (await member_docs(platform, good[:1]))[mask(good[0])]
    assert (moved["version"], moved["state"]["profile"]["phone"]) == (2, "13800000000")


async def test_a_roster_as_offices_keep_it_imports(platform: ImportPlatform) -> None:
    """A title and the reporting unit above the header, a header with a line break and a note,
    names padded to line up, full-width digits, a date cell formatted as a number, a phone with
    the country code, a blank row, and a total and the sign-off lines at the foot (skipped:
    they were reported as rejected rows, which sent staff looking for a missing member)."""
    r = await roster(platform)
    born = date(1988, 2, 2)
    padded, wide = new_id(date(1990, 5, 17)), new_id(born)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["岳西县流动党员花名册（2026年12月）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["填报单位：岳西县某镇党委", None, None, "填报日期：2026-12-01"])
    sheet.append(
        [" 姓 名 ", "身份证号\n（18位）", "出生日期", "手机号码", "党组织编码", "人员类别"]
    )
    sheet.append(["王  明", padded, "1990-05-17", "+86 139-0556-1234", r.code, "正式党员"])
    sheet.append([None] * 6)
    serial = (born - date(1899, 12, 30)).days  # how Excel keeps the date in a number cell
    wide_digits = wide.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    sheet.append(["李四", wide_digits, serial, "13700137000", r.code, "预备党员"])
    sheet.append(["合计：2人"])
    sheet.append(["制表人：张三", None, "审核人：李四", "联系电话：0556-8888888"])
    sheet.append(["李五", None, None, "13700137001", r.code])  # a member without an ID number
    out = io.BytesIO()
    book.save(out)

    job = await run_import(platform, r.admin, "花名册.xlsx", out.getvalue())
    assert counts(job) == (2, 0, 0, 1), job
    [missing] = job["report"]["items"]
    assert missing["row"] == 9  # the row number Excel shows: never skipped as a footer
    docs = await member_docs(platform, [padded, wide])
    first, second = docs[mask(padded)]["state"]["profile"], docs[mask(wide)]["state"]["profile"]
    assert (first["name"], first["phone"]) == ("王明", "13905561234")
    assert (second["birth_date"], second["party_status"]) == (born.isoformat(), "probationary")


async def test_a_branch_named_with_its_party_and_county_prefix_is_found(
    platform: ImportPlatform,
) -> None:
    """Offices write a branch's full name: 中共 and the county (with its province and city) in
    front of the name the platform keeps (every row was rejected: 党组织…不存在)."""
    r = await roster(platform)
    short = f"导入简称党支部{r.code}"
    body = {
        "id": f"{r.branch}-s", "code": f"{r.code}S", "name": short, "type_code": "branch",
        "parent_id": "yuexi-county-committee", "county": "yuexi",
    }  # fmt: skip
    created = await platform.client.post("/api/registry/organisations", json=body, headers=r.admin)
    assert created.status_code == 201, created.text
    written = [
        f"岳西县{short}",
        f"中共岳西县{short}",
        f"中共安徽省安庆市岳西县{short}",
        f"中国共产党{short}",
        f"中共{r.name}",  # the kept name holds the county already
        f"松阳县{short}",  # another county's name: not this branch
    ]
    rows = [person(name) for name in written]
    job = await run_import(platform, r.admin, "花名册.xlsx", xlsx(rows))
    assert counts(job) == (5, 0, 0, 1), job
    [refused] = job["report"]["items"]
    assert refused["row"] == 8 and "不存在" in refused["problems"][0]["reason"]
    docs = await member_docs(platform, [row["身份证号"] for row in rows])
    homes = [docs[mask(row["身份证号"])]["state"]["home_org_id"] for row in rows[:5]]
    assert homes == [body["id"]] * 4 + [r.branch]


async def test_a_branch_and_dues_typed_full_width_or_spaced_are_read(
    platform: ImportPlatform,
) -> None:
    """An IME left in full-width mode (第１党支部, ２０２６年３月) or a name spaced out: a county's
    roster of 5,230 rows lost 84 rows as 党组织…不存在 and 621 as 党费交至不能晚于 2027-12 (the
    month kept its full-width digits, which sort after every ASCII month)."""
    r = await roster(platform)
    wide = r.name.translate(str.maketrans("0123456789abcdef", "０１２３４５６７８９ａｂｃｄｅｆ"))
    assert wide != r.name
    spaced = f"{r.name[:3]} {r.name[3:6]}\u3000{r.name[6:]}"
    rows = [
        person(wide, 党费缴至="２０２６年３月"),
        person(f"中共{wide}"),
        person(spaced, 党费缴至="２０２６．１１"),
    ]
    job = await run_import(platform, r.admin, "花名册.xlsx", xlsx(rows))
    assert counts(job) == (3, 0, 0, 0), job["report"]
    docs = await member_docs(platform, [row["身份证号"] for row in rows])
    files = [docs[mask(row["身份证号"])]["state"] for row in rows]
    assert [f["home_org_id"] for f in files] == [r.branch] * 3
    assert [f["profile"]["dues_paid_until"] for f in files] == ["2026-03", "2026-03", "2026-11"]


async def test_cells_excel_changed_are_refused_with_what_to_do(platform: ImportPlatform) -> None:
    """入党时间 kept to the month (typed 2015.7, Excel keeps the number 2015.7), a year alone, a
    day that does not exist, and an ID number typed into a number cell (Excel keeps 15 digits):
    each row is refused at its cell saying what to fill in, not "不能带时间" or "校验位不正确".
    So is a masked ID number copied from an export."""
    r = await roster(platform)
    ok, typed_as_number = person(r.code), person(r.code, 姓名="李强")
    rows: list[dict[str, Any]] = [
        ok,  # row 3
        {**person(r.code), "入党日期": 2015.7},  # 4: a number cell
        person(r.code, 入党日期="2016年7月"),  # 5
        person(r.code, 入党日期="2015"),  # 6
        person(r.code, 入党日期="2015年2月30日"),  # 7
        {**typed_as_number, "身份证号": float(typed_as_number["身份证号"][:17] + "0")},  # 8
        person(r.code, 入党日期="七月一日"),  # 9
        person(r.code, 身份证号=mask(new_id(date(1990, 5, 17)))),  # 10: copied from an export
    ]
    job = await run_import(platform, r.admin, "花名册.xlsx", xlsx(rows))
    assert counts(job) == (1, 0, 0, 7), job
    report = {e["row"]: e["problems"] for e in job["report"]["items"]}
    for row in (4, 5, 6):
        assert report[row] == [{"column": "入党日期", "reason": MONTH_ONLY}], report[row]
    assert report[7] == [{"column": "入党日期", "reason": NO_SUCH_DAY}]
    [wrong_id] = report[8]
    assert wrong_id["column"] == "身份证号" and "科学计数法" in wrong_id["reason"], wrong_id
    assert report[9] == [
        {"column": "入党日期", "reason": "应填写日期，如 1990-05-17、1990.5.17 或 1990年5月17日"}
    ]
    assert report[10] == [
        {
            "column": "身份证号",
            "reason": "公民身份号码已脱敏（含 *），导出的名册不能直接导入：请填写完整号码",
        }
    ]
    assert sorted(await member_docs(platform, [ok["身份证号"]])) == [mask(ok["身份证号"])]


MONTH_ONLY = "只填了年份或年月，应填写到日，如 2015-07-01（请向党员核实具体日期）"
NO_SUCH_DAY = "不是有效的日期（如没有 2 月 30 日），请核对"


async def test_a_legacy_xls_roster_imports_like_its_xlsx_copy(platform: ImportPlatform) -> None:
    """Excel 97–2003 files are still many offices' template: dates as date cells, phones as
    numbers; the same rows saved as .xlsx and imported again change nothing."""
    r = await roster(platform)
    born = date(1985, 9, 9)
    rows = [person(r.code), person(r.code, born, 姓名="李强", 手机号码="13805561234")]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    sheet.write(0, 0, "岳西县流动党员花名册")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, header in enumerate(HEADERS):
        sheet.write(1, c, header)
    for n, row in enumerate(rows, start=2):
        for c, header in enumerate(HEADERS):
            if header == "出生日期":
                sheet.write(n, c, date.fromisoformat(row[header]), dates)
            elif header == "手机号码":
                sheet.write(n, c, int(row[header].replace(" ", "")))
            else:
                sheet.write(n, c, row[header])
    out = io.BytesIO()
    book.save(out)

    job = await run_import(platform, r.admin, "花名册.xls", out.getvalue())
    assert counts(job) == (2, 0, 0, 0), job
    docs = await member_docs(platform, [row["身份证号"] for row in rows])
    second = docs[mask(rows[1]["身份证号"])]["state"]["profile"]
    assert (second["name"], second["birth_date"], second["phone"]) == (
        "李强",
        born.isoformat(),
        "13805561234",
    )
    again = await run_import(platform, r.admin, "花名册.xlsx", xlsx(rows))
    assert counts(again) == (0, 0, 2, 0), again


async def test_other_sheets_holding_a_roster_are_named_in_the_job_not_left_silently(
    platform: ImportPlatform,
) -> None:
    """A workbook with a roster per batch on several sheets imported the first only, and the job
    said nothing of the others: it now notes them by name (one sheet is one import)."""
    r = await roster(platform)
    first, second = person(r.code), person(r.code, 姓名="李强")
    book = load_workbook(io.BytesIO(xlsx([first])))
    book.active.title = "第一批"  # type: ignore[union-attr]
    later = book.create_sheet("第二批")
    later.append(list(HEADERS))
    later.append([second.get(header, "") for header in HEADERS])
    out = io.BytesIO()
    book.save(out)

    job = await run_import(platform, r.admin, "花名册.xlsx", out.getvalue())
    assert counts(job) == (1, 0, 0, 0), job
    assert job["notes"] == ["工作簿中另有工作表「第二批」也有花名册列名，未导入；请分别导入"]
    assert not await member_docs(platform, [second["身份证号"]])
    alone = await run_import(platform, r.admin, "花名册.xlsx", xlsx([second]))
    assert (counts(alone), alone["notes"]) == ((1, 0, 0, 0), []), alone


async def test_a_gb18030_csv_imports_and_exports_masked_and_formula_safe(
    platform: ImportPlatform,
) -> None:
    r = await roster(platform)
    # a name may start as a formula does ("-": a hyphenated name cut at the front)
    rows = [person(r.name, 姓名="张三丰"), person(r.code, 姓名="-李四", 工作单位=FORMULA)]
    job = await run_import(platform, r.admin, "名册.csv", csv_bytes(rows, "gb18030"))
    assert (job["created"], job["rejected"]) == (2, 0), job["report"]
    stored = await member_docs(platform, [rows[0]["身份证号"]])
    assert stored[mask(rows[0]["身份证号"])]["state"]["profile"]["name"] == "张三丰"
    member_id, site = stored[mask(rows[0]["身份证号"])]["_id"], "yuhang-ai-town-home"
    going = {"reason_code": "work", "destination": "杭州市余杭区", "expected_months": 12}
    url = f"/api/registry/members/{member_id}/outflow"
    gone = await platform.client.post(url, json={**going, "site_id": site}, headers=r.admin)
    assert gone.status_code == 200, gone.text
    site_name = (await platform.client.get(f"/api/registry/sites/{site}", headers=r.admin)).json()

    export = f"/api/registry/members/export.xlsx?org_id={r.branch}"
    response = await platform.client.get(export, headers=r.admin)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0][:3] == ["姓名", "公民身份号码", "性别"]
    by_name = {row[0]: row for row in table[1:]}
    assert sorted(by_name) == ["'-李四", "张三丰"]
    assert by_name["张三丰"][1] == mask(rows[0]["身份证号"])
    assert by_name["'-李四"][table[0].index("工作单位")] == "'" + FORMULA
    # the 暖流之家 by the name people read (its id was written)
    assert by_name["张三丰"][table[0].index("暖流之家站点")] == site_name["name"]
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)

    revealed = await platform.client.get(
        export + "&reveal=id_number&purpose=核对名册", headers=r.admin
    )
    sheet = load_workbook(io.BytesIO(revealed.content)).worksheets[0]
    numbers = {row[1].value for row in sheet.iter_rows(min_row=2)}
    assert numbers == {rows[0]["身份证号"], rows[1]["身份证号"]}
    auditor = platform.headers("auditor")
    url = f"/api/registry/audit?subject={r.subject}"
    entries = (await platform.client.get(url, headers=auditor)).json()["items"]
    exports = [(e["action"], "id_number" in e["fields"], e["purpose"]) for e in entries]
    assert sorted(x for x in exports if x[0] == "export") == [
        ("export", False, None),
        ("export", True, "核对名册"),
    ]


async def test_hostile_and_unfit_files_are_refused_before_any_job(platform: ImportPlatform) -> None:
    r = await roster(platform)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    missing = csv_bytes([person(r.code)], "utf-8").replace("手机号码".encode(), b"phone")
    cases = {
        ("bomb.xlsx", out.getvalue()): "压缩炸弹",
        ("old.xls", b"\xd0\xcf\x11\xe0"): "无法读取该 Excel 文件",
        ("no-phone.csv", missing): "缺少必需的列：手机号码",
    }
    for (name, data), words in cases.items():
        files = {"file": (name, data, "application/octet-stream")}
        response = await platform.client.post("/api/registry/imports", files=files, headers=r.admin)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "file"
        assert words in response.json()["errors"][0]["reason"]


async def test_a_file_refused_half_way_through_its_rows_leaves_no_rows_stored(
    platform: ImportPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are parsed as a stream into sealed chunks: a file found over the row limit only
    after some chunks were stored is refused, and those chunks (ID numbers in them) are gone."""
    r = await roster(platform)
    settings = platform.registry.settings
    monkeypatch.setattr(settings, "import_chunk_size", 2)
    monkeypatch.setattr(settings, "import_max_rows", 3)
    chunks = platform.runtime.store.collection(ROWS_COLLECTION)
    before = await chunks.count()
    data = csv_bytes([person(r.code) for _ in range(5)], "utf-8")
    files = {"file": ("big.csv", data, "text/csv")}
    response = await platform.client.post("/api/registry/imports", files=files, headers=r.admin)
    assert response.status_code == 422, response.text
    assert "3 行上限" in response.json()["errors"][0]["reason"]
    assert await chunks.count() == before


async def test_only_admins_import_and_only_the_importer_side_sees_the_job(
    platform: ImportPlatform,
) -> None:
    r = await roster(platform)
    files = {"file": ("a.csv", csv_bytes([person(r.code)], "utf-8"), "text/csv")}
    staff = platform.headers(
        "site_staff", "yuhang", orgs=["yuhang-ai-town-committee"], site_id="s1"
    )
    refused = await platform.client.post("/api/registry/imports", files=files, headers=staff)
    assert refused.status_code == 403
    job = await run_import(platform, r.admin, "a.csv", files["file"][1])
    other = platform.headers("county_admin", "yuhang", orgs=["yuhang-mobile-committee"])
    hidden = await platform.client.get(f"/api/registry/imports/{job['id']}", headers=other)
    assert hidden.status_code == 404


async def test_the_job_list_shows_the_callers_jobs_newest_first(platform: ImportPlatform) -> None:
    r = await roster(platform)
    jobs = []
    for name in ("一月.csv", "二月.csv"):
        data = csv_bytes([person(r.code, born=date(1985, 1, 1 + len(jobs)))], "utf-8")
        jobs.append(await run_import(platform, r.admin, name, data))
        platform.clock.advance(minutes=1)

    listed = await platform.client.get("/api/registry/imports", headers=r.admin)
    assert listed.status_code == 200, listed.text
    mine = [item for item in listed.json()["items"] if item["importer"] == r.subject]
    assert [item["filename"] for item in mine[:2]] == ["二月.csv", "一月.csv"]
    assert (mine[0]["status"], mine[0]["total"], mine[0]["created"]) == ("done", 1, 1)
    assert mine[0]["importer_role"] == "县（区）管理员"
    # a token without a name: the role and the county, read by people; the subject stays
    assert mine[0]["importer_name"] == "岳西县·县（区）管理员"
    second_page = await platform.client.get(
        "/api/registry/imports", params={"page": 2, "size": 1}, headers=r.admin
    )
    assert second_page.json()["total"] == listed.json()["total"] >= 2
    assert len(second_page.json()["items"]) == 1
    yuhang = platform.headers("county_admin", "yuhang", orgs=["yuhang-mobile-committee"])
    theirs = await platform.client.get("/api/registry/imports", headers=yuhang)
    assert {job["id"] for job in jobs}.isdisjoint(i["id"] for i in theirs.json()["items"])
    org_admin = platform.headers("org_admin", "yuexi", orgs=[r.branch])
    assert (await platform.client.get("/api/registry/imports", headers=org_admin)).json()[
        "items"
    ] == []
    # a token with a name (OIDC's name claim): that name
    named = platform.headers(
        "county_admin", "yuexi", orgs=["yuexi-county-committee"], subject=r.subject, name="汪书记"
    )
    data = csv_bytes([person(r.code, born=date(1985, 1, 9))], "utf-8")
    jobs.append(await run_import(platform, named, "三月.csv", data))
    again = await platform.client.get("/api/registry/imports", headers=named)
    newest = again.json()["items"][0]
    assert (newest["filename"], newest["importer"], newest["importer_name"]) == (
        "三月.csv", r.subject, "汪书记",
    )  # fmt: skip


async def test_rows_from_branches_elsewhere_are_filed_at_the_inflow_side(
    platform: ImportPlatform,
) -> None:
    uid = uuid.uuid4().hex[:8]
    subject = f"importer-{uid}"
    yuhang = platform.headers(
        "county_admin", "yuhang", orgs=["yuhang-ai-town-committee"], subject=subject
    )
    headers = [
        *HEADERS,
        "户籍地行政区划代码",
        "户籍地党组织联系人",
        "报告方式",
        "报告人",
        "报告日期",
    ]
    branch = f"丽水市莲都区老竹畲族镇测试村{uid}党支部"
    far = {"户籍地行政区划代码": "331102", "户籍地党组织联系人": "蓝书记", "报告方式": "电话"}
    rows = [
        person(branch, **far, 报告人="蓝书记", 报告日期="2026年11月20日"),
        person(
            branch, date(1991, 3, 9), **far, 姓名="钟伟"
        ),  # no reporter: the roster is the report
        person(branch, date(1992, 4, 1), **{**far, "户籍地行政区划代码": "991102"}, 姓名="坏区划"),
        person(branch, date(1993, 5, 2), **{**far, "报告方式": "托人带话"}, 姓名="坏方式"),
    ]
    job = await run_import(platform, yuhang, "外地党员名册.xlsx", xlsx(rows, headers))
    assert counts(job) == (2, 0, 0, 2), job["report"]
    report = {(e["row"], p["column"]) for e in job["report"]["items"] for p in e["problems"]}
    assert report == {(5, "户籍地行政区划代码"), (6, "报告方式")}
    docs = await member_docs(platform, [rows[0]["身份证号"], rows[1]["身份证号"]])
    states = [doc["state"] for doc in docs.values()]
    assert {s["status"] for s in states} == {"awaiting_checkin"}
    assert {s["home_county"] for s in states} == {"external"}
    assert {s["inflow_org_id"] for s in states} == {"yuhang-ai-town-committee"}
    assert len({s["home_org_id"] for s in states}) == 1  # one branch, recorded once
    reporters = sorted(s["history"][-1]["reported"]["reporter"] for s in states)
    assert reporters == ["导入名册", "蓝书记"]

    again = await run_import(platform, yuhang, "外地党员名册.xlsx", xlsx(rows[:2], headers))
    assert counts(again) == (0, 0, 2, 0)


async def test_rows_naming_the_platforms_own_organisations_as_elsewhere_are_refused(
    platform: ImportPlatform,
) -> None:
    """A row may not record a county on the platform, or one of the platform's organisations,
    as a branch off the platform (its members would be filed twice, out of their county's
    sight): the row is refused at the column, naming what to choose; nothing is recorded."""
    uid = uuid.uuid4().hex[:8]
    yuhang = platform.headers("county_admin", "yuhang", orgs=["yuhang-ai-town-committee"])
    headers = [*HEADERS, "户籍地行政区划代码", "报告方式"]
    far = {"户籍地行政区划代码": "331102", "报告方式": "电话"}
    in_yuexi = {**far, "户籍地行政区划代码": "340828"}
    rows = [
        person(f"岳西县某村{uid}党支部", **in_yuexi, 姓名="岳西区划"),
        person("中共 岳西县委员会", **far, 姓名="平台组织"),
        person(f"丽水市莲都区测试村{uid}党支部", **far, 姓名="真外地"),
    ]
    job = await run_import(platform, yuhang, "外地党员名册.xlsx", xlsx(rows, headers))
    assert counts(job) == (1, 0, 0, 2), job["report"]
    problems = {
        (e["row"], p["column"]): p["reason"] for e in job["report"]["items"] for p in e["problems"]
    }
    assert set(problems) == {(3, "户籍地行政区划代码"), (4, "所在党支部")}, problems
    assert "岳西县" in problems[(3, "户籍地行政区划代码")]
    assert "中共岳西县委员会" in problems[(4, "所在党支部")]
    docs = await member_docs(platform, [rows[0]["身份证号"], rows[1]["身份证号"]])
    assert docs == {}
    listed = await platform.client.get(
        "/api/registry/external-organisations", params={"region_code": "340828"}, headers=yuhang
    )
    assert listed.json()["items"] == []


async def test_new_files_are_written_without_reading_the_stored_ones_until_one_is_met(
    platform: ImportPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk is first read as all new files (no query by ID number: on FerretDB that query
    reads the whole collection); a chunk that meets a stored file is read again against the
    stored files, and so are the job's later chunks. Every file is written once, one event."""
    r = await roster(platform)
    monkeypatch.setattr(platform.registry.settings, "import_chunk_size", 2)
    members = platform.registry.stores.members.collection
    lookups: list[int] = []
    find = members.find

    async def counted(where: Any = None, **options: Any) -> list[dict[str, Any]]:
        # the chunk's own files by its key (``_batch``, after a clash) are not the stored ones
        if where and "state.id_hash" in where and "_batch" not in where:
            lookups.append(len(where["state.id_hash"].get("$in", [None])))
        return await find(where, **options)

    monkeypatch.setattr(members, "find", counted)
    first = [person(r.code) for _ in range(3)]
    job = await run_import(platform, r.admin, "a.csv", csv_bytes(first, "utf-8"))
    assert (counts(job), lookups) == ((3, 0, 0, 0), [])

    changed = dict(first[1], 手机号码="13800000001")
    rows = [person(r.code), person(r.code), changed, person(r.code), person(r.code)]
    job = await run_import(platform, r.admin, "b.csv", csv_bytes(rows, "utf-8"))
    assert counts(job) == (4, 1, 0, 0), job["report"]
    assert lookups == [2, 1]  # the second chunk met a file, read again; the third read first
    docs = await member_docs(platform, [row["身份证号"] for row in rows])
    assert versions(docs) == {
        mask(row["身份证号"]): (2, 2) if row is changed else (1, 1) for row in rows
    }
    assert docs[mask(changed["身份证号"])]["state"]["profile"]["phone"] == "13800000001"


async def test_a_chunk_gives_the_event_loop_a_turn_every_few_rows(
    platform: ImportPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the embedded platform serves every user from one loop: a chunk of 1,000 rows validated
    # without a turn held every other request for ~0.4 s, chunk after chunk
    r = await roster(platform)
    monkeypatch.setattr(platform.registry.settings, "import_chunk_size", 7)
    monkeypatch.setattr(import_jobs, "ROWS_PER_TURN", 2)
    work = WorkBetweenTurns()
    monkeypatch.setattr(import_jobs, "import_row", work.counting(import_jobs.import_row))
    async with work.watching():
        rows = [person(r.code) for _ in range(7)]
        job = await run_import(platform, r.admin, "turns.csv", csv_bytes(rows, "utf-8"))
    assert counts(job) == (7, 0, 0, 0), job["report"]
    assert work.longest <= 2


async def test_a_dues_month_decades_ahead_is_reported_at_its_column(
    platform: ImportPlatform,
) -> None:
    r = await roster(platform)
    rows = [
        person(r.code, 党费缴至="2099年12月"),
        person(r.code, 姓名="李强", 党费缴至="2026年3月"),
    ]
    job = await run_import(platform, r.admin, "花名册.xlsx", xlsx(rows))
    [entry] = job["report"]["items"]
    [problem] = entry["problems"]
    assert (entry["row"], problem["column"]) == (3, "党费缴至")
    assert "最多预交 12 个月" in problem["reason"]


async def test_numbers_spaced_or_of_the_first_generation_are_the_members_own(
    platform: ImportPlatform,
) -> None:
    """A county's roster keeps some members' first-generation 15-digit numbers and groups other
    numbers' digits with spaces: those rows were refused (应为18位), and a member already on the
    platform could not be updated from it. The 15-digit row is that member's file, the spaced
    row a new file under the number without its spaces, and a search by either finds them."""
    r = await roster(platform)
    born = date(1968, 3, 9)
    on_file, spaced = person(r.code, born), person(r.code, born, 姓名="李强")
    first = await run_import(platform, r.admin, "花名册.xlsx", xlsx([on_file]))
    assert counts(first) == (1, 0, 0, 0), first["report"]
    number, other = on_file["身份证号"], spaced["身份证号"]
    old = dict(on_file, 身份证号=number[:6] + number[8:17], 手机号码="13800000001")
    spaced["身份证号"] = f"{other[:6]}\u3000{other[6:14]} {other[14:].lower()}"
    job = await run_import(platform, r.admin, "花名册.xlsx", xlsx([old, spaced]))
    assert counts(job) == (1, 1, 0, 0), job["report"]
    docs = await member_docs(platform, [number, other])
    assert sorted(docs) == sorted([mask(number), mask(other)])
    assert docs[mask(number)]["state"]["profile"]["phone"] == "13800000001"
    for typed, member in (
        (old["身份证号"], docs[mask(number)]),
        (spaced["身份证号"], docs[mask(other)]),
    ):
        found = await platform.client.get(
            "/api/registry/members", params={"id_number": typed}, headers=r.admin
        )
        assert [m["id"] for m in found.json()["items"]] == [member["state"]["id"]], found.text
