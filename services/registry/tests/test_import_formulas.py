"""A roster a program wrote (openpyxl, a reporting system): formula cells with no result, on the
embedded adapters and the real servers."""

from __future__ import annotations

import pytest
from warmflow_registry.domain.idnumber import mask

from . import test_imports as rosters
from .test_imports import ImportPlatform

platform, module_backends = rosters.platform, rosters.module_backends  # its fixtures, shared
pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_formulas_never_calculated_import_as_literals_or_refuse_the_file_by_cell(
    platform: ImportPlatform,
) -> None:
    """Read for their results, such cells were empty: a row's ID number written as ="3408…" (how
    systems keep its digits) was refused as 必填项, the office left to guess why. Text written
    as a formula now imports; a formula needing calculation in a column the import reads refuses
    the file naming its cell, and one in a column it does not read (年龄) is no matter."""
    r = await rosters.roster(platform)
    headers = [*rosters.HEADERS, "年龄"]
    quoted = rosters.person(r.code, 年龄="=2026-YEAR(D3)")
    number = quoted["身份证号"]
    quoted["身份证号"] = f'="{number}"'
    data = rosters.xlsx([quoted], headers)
    job = await rosters.run_import(platform, r.admin, "程序导出.xlsx", data)
    assert rosters.counts(job) == (1, 0, 0, 0), job["report"]
    assert sorted(await rosters.member_docs(platform, [number])) == [mask(number)]

    looked_up = rosters.person(r.code, 姓名="=VLOOKUP(B4,人员!A:B,2,0)")
    data = rosters.xlsx([rosters.person(r.code), looked_up, rosters.person(r.code)], headers)
    files = {"file": ("程序导出.xlsx", data, "application/octet-stream")}
    jobs = (await platform.client.get("/api/registry/imports", headers=r.admin)).json()["total"]
    response = await platform.client.post("/api/registry/imports", files=files, headers=r.admin)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "file"
    assert error["reason"].startswith(
        "第4行「姓名」列（单元格 A4）是公式 =VLOOKUP(B4,人员!A:B,2,0)，文件中没有它的计算结果"
    ), error
    listed = await platform.client.get("/api/registry/imports", headers=r.admin)
    assert listed.json()["total"] == jobs  # refused before any job
