from __future__ import annotations

import io

from pypdf import PdfReader
from warmflow_shared.documents.pdf import CutLine, Fields, Heading, NewPage, Text, render_pdf


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_chinese_text_survives_rendering_and_extraction() -> None:
    pdf = render_pdf(
        [
            Heading("中国共产党党员组织关系介绍信"),
            Fields([("编号", "2026-YX-0007"), ("姓名", "张晓红")]),
            Text("张晓红同志系中共党员，党费已交到2026年11月。"),
            CutLine(),
            NewPage(),
            Text("回执"),
        ],
        title="介绍信",
    )
    assert pdf.startswith(b"%PDF")
    first, second = _pages(pdf)
    for expected in (
        "组织关系介绍信",
        "2026-YX-0007",
        "张晓红",
        "党费已交到2026年11月",
        "沿此线剪开",
    ):
        assert expected in first
    assert "回执" in second


def test_member_text_is_not_read_as_markup() -> None:
    pdf = render_pdf([Text("<b>李四</b> & 王五")], title="t")
    assert "<b>李四</b> & 王五" in _pages(pdf)[0]
