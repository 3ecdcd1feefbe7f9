"""Printable PDF documents with Chinese text (letters, receipts, certificates).

Text is set in Adobe's standard CID font ``STSong-Light`` (UniGB-UCS2-H), which every PDF reader
with the Asian font pack renders and from which text extraction returns the Chinese characters.
Lines wrap by CJK rules. A document is a list of blocks; ``PageBreak`` starts a new page and
``CutLine`` draws the dashed line along which a stub is torn off.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

FONT = "STSong-Light"
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


@dataclass(frozen=True)
class Heading:
    text: str
    size: int = 18


@dataclass(frozen=True)
class Text:
    text: str
    size: int = 12
    align: str = "left"


@dataclass(frozen=True)
class Fields:
    """Label/value rows, e.g. 编号 / 2026-YH-0001."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Gap:
    height_mm: float = 6


@dataclass(frozen=True)
class CutLine:
    label: str = "（沿此线剪开）"


@dataclass(frozen=True)
class NewPage:
    pass


Block = Heading | Text | Fields | Gap | CutLine | NewPage


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _style(size: int, align: str = "left") -> ParagraphStyle:
    return ParagraphStyle(
        f"s{size}{align}",
        fontName=_font(),
        fontSize=size,
        leading=size * 1.5,
        alignment=_ALIGN[align],
        wordWrap="CJK",
    )


def _paragraph(text: str, size: int, align: str = "left") -> Paragraph:
    # Escaped: member-supplied text must never be read as reportlab markup.
    return Paragraph(escape(text).replace("\n", "<br/>"), _style(size, align))


def _flowables(block: Block) -> list[Flowable]:
    match block:
        case Heading(text, size):
            return [_paragraph(text, size, "center"), Spacer(1, 4 * mm)]
        case Text(text, size, align):
            return [_paragraph(text, size, align)]
        case Fields(rows):
            cells = [[_paragraph(k, 11), _paragraph(v, 11)] for k, v in rows]
            return [Table(cells, colWidths=[40 * mm, 120 * mm], hAlign="LEFT")]
        case Gap(height):
            return [Spacer(1, height * mm)]
        case CutLine(label):
            line = HRFlowable(width="100%", dash=(4, 3), spaceBefore=4 * mm, spaceAfter=1 * mm)
            return [line, _paragraph(label, 9, "center"), Spacer(1, 4 * mm)]
        case NewPage():
            return [PageBreak()]
    raise TypeError(f"unknown block {block!r}")


def render_pdf(blocks: Sequence[Block], *, title: str, author: str = "暖流") -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    document.build([flowable for block in blocks for flowable in _flowables(block)])
    return buffer.getvalue()
