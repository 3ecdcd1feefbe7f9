from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from structlog.testing import capture_logs
from warmflow_shared.documents import pdf as pdf_module
from warmflow_shared.documents.pdf import (
    Block,
    Code,
    CutLine,
    Fields,
    Heading,
    NewPage,
    Seal,
    Text,
    render_pdf,
)
from warmflow_shared.testing.pdf_tools import BarePoppler


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


# 䶮 U+4DAE (CJK Extension A) and 𬌗 U+2C317 (Extension E), both in 通用规范汉字表 and in
# neither face of WenQuanYi Micro Hei
RARE = "王䶮𬌗"


def _named(name: str) -> list[Block]:
    """A name where a letter or certificate prints one: a field, the text, a code, the seal."""
    return [
        Fields([("姓名", name)]),
        Text(f"{name}同志：\n特此证明。"),
        Code(f"CODE-{name}"),
        Seal(f"{name}党支部", "2026年12月6日"),
    ]


def test_rare_name_characters_are_set_in_an_embedded_fallback_face() -> None:
    poppler = BarePoppler(rare_fonts=True)  # as on a machine without Chinese fonts
    saved = poppler.save(render_pdf(_named(RARE), title="介绍信"), "rare.pdf")

    fonts = poppler.fonts(saved)
    assert all(embedded for _, embedded in fonts), fonts
    assert any("HanaMin" in name for name, _ in fonts), fonts
    text = poppler.text(saved)
    assert text.count(RARE) == 4, text
    assert f"CODE-{RARE}" in text and f"{RARE}党支部" in text
    # the glyphs are drawn, not blanks: the two characters alone darken a page
    blank = poppler.png_size(poppler.save(render_pdf([Heading("王", 60)], title="t"), "b.pdf"))
    rare = poppler.png_size(poppler.save(render_pdf([Heading(RARE, 60)], title="t"), "r.pdf"))
    assert rare > blank * 1.5, (rare, blank)


def test_a_plain_name_embeds_no_fallback_face() -> None:
    poppler = BarePoppler(rare_fonts=True)
    saved = poppler.save(render_pdf(_named("张晓红"), title="介绍信"), "plain.pdf")

    fonts = poppler.fonts(saved)
    assert fonts and not any("HanaMin" in name for name, _ in fonts), fonts
    assert poppler.text(saved).count("张晓红") == 4


def test_without_the_fallback_faces_rare_characters_are_named_in_one_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = (("WarmflowRareGone", "/nonexistent/HanaMinA.ttf"),)
    monkeypatch.setattr(pdf_module, "RARE_FONT_FILES", missing)
    monkeypatch.setattr(pdf_module, "_unshown", set())
    pdf_module._rare_fonts.cache_clear()
    try:
        with capture_logs() as logs:
            first = render_pdf(_named(RARE), title="t")
            render_pdf(_named(RARE), title="t")
    finally:
        pdf_module._rare_fonts.cache_clear()  # the real faces again for later tests

    warnings = [entry for entry in logs if entry["event"] == "pdf.characters_not_shown"]
    assert len(warnings) == 1, logs
    assert warnings[0]["characters"] == "䶮𬌗"
    assert warnings[0]["code_points"] == "U+4DAE U+2C317"
    assert "同志" in _pages(first)[0]  # the rest of the document as before
