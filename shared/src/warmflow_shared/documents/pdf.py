"""Printable PDF documents with Chinese text (letters, receipts, certificates).

Text is set in a real TrueType Chinese font whose used glyphs are embedded as a subset, so the
document shows the same on a machine without any Chinese font (and "·" and the like survive):
WenQuanYi Micro Hei (Debian's ``fonts-wqy-microhei``, in ``deploy/Dockerfile`` and ``.ci/run``),
or the TrueType file ``WARMFLOW_PDF_FONT`` names. Without one, text falls back to Adobe's
non-embedded ``STSong-Light`` and a warning is logged once: readers without the Asian font pack
then show empty boxes. Codes are set in the collection's monospace face. Lines wrap by CJK
rules. A document is a list of blocks; ``NewPage`` starts a new page and ``CutLine`` draws the
dashed line along which a stub is torn off.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import structlog
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

log = structlog.get_logger(__name__)

FALLBACK_FONT = "STSong-Light"
SANS, MONO = "WarmflowSans", "WarmflowMono"
# (path, face index of the sans face, face index of the monospace face) — first found wins
FONT_FILES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, 1),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, 0),
)
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


@dataclass(frozen=True)
class Code:
    """A code people type: monospace, centred, never wrapped."""

    text: str
    size: int = 12


@dataclass(frozen=True)
class QrCode:
    """A QR code of ``data`` (a URL), ``size_mm`` wide, with an optional caption under it."""

    data: str
    size_mm: float = 32
    caption: str = ""


@dataclass(frozen=True)
class Seal:
    """The signature line and the round seal area of an issuing organisation."""

    organisation: str
    date: str


Block = Heading | Text | Fields | Gap | CutLine | NewPage | Code | QrCode | Seal


def font_file() -> tuple[Path, int, int] | None:
    """The TrueType file (and its sans and mono faces) the documents embed, if any is here."""
    named = os.environ.get("WARMFLOW_PDF_FONT")
    candidates = [(named, 0, 0)] if named else list(FONT_FILES)
    for path, sans, mono in candidates:
        if Path(path).is_file():
            return Path(path), sans, mono
    return None


@cache
def _fonts() -> tuple[str, str]:
    """Register the text and code faces once: (sans, mono) font names."""
    found = font_file()
    if found is not None:
        path, sans, mono = found
        try:
            pdfmetrics.registerFont(TTFont(SANS, str(path), subfontIndex=sans))
            pdfmetrics.registerFont(TTFont(MONO, str(path), subfontIndex=mono))
            return SANS, MONO
        except TTFError as exc:
            log.warning("pdf.font_unusable", path=str(path), error=str(exc))
    log.warning(
        "pdf.font_not_embedded",
        hint="install fonts-wqy-microhei or set WARMFLOW_PDF_FONT to a TrueType Chinese font",
    )
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT, FALLBACK_FONT


def _font() -> str:
    return _fonts()[0]


def mono_font() -> str:
    return _fonts()[1]


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
            # the table's own font (Helvetica by default) would be listed, unembedded, unless set
            style = TableStyle([("FONT", (0, 0), (-1, -1), _font(), 11)])
            return [Table(cells, colWidths=[40 * mm, 120 * mm], hAlign="LEFT", style=style)]
        case Gap(height):
            return [Spacer(1, height * mm)]
        case CutLine(label):
            line = HRFlowable(width="100%", dash=(4, 3), spaceBefore=4 * mm, spaceAfter=1 * mm)
            return [line, _paragraph(label, 9, "center"), Spacer(1, 4 * mm)]
        case NewPage():
            return [PageBreak()]
        case Code(text, size):
            style = ParagraphStyle(
                f"code{size}",
                fontName=mono_font(),
                fontSize=size,
                leading=size * 1.4,
                alignment=TA_CENTER,
                splitLongWords=0,
            )
            return [Paragraph(escape(text), style)]
        case QrCode(data, size_mm, caption):
            flowables: list[Flowable] = [_Qr(data, size_mm)]
            return flowables + ([_paragraph(caption, 9, "center")] if caption else [])
        case Seal(organisation, date):
            return [_SealArea(organisation, date)]
    raise TypeError(f"unknown block {block!r}")


class _Qr(Flowable):  # type: ignore[misc]
    """A QR code drawn as dark squares (no drawing state, so no stray font in the PDF)."""

    def __init__(self, data: str, size_mm: float) -> None:
        super().__init__()
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(data)
        code.make()
        self.modules = code.getModuleCount()
        self.dark = [
            (row, col)
            for row in range(self.modules)
            for col in range(self.modules)
            if code.isDark(row, col)
        ]
        self.width = self.height = size_mm * mm
        self.hAlign = "CENTER"

    def draw(self) -> None:
        quiet = 4  # the blank margin QR readers need, in modules
        cell = self.width / (self.modules + 2 * quiet)
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        top = self.height - quiet * cell
        for row, col in self.dark:
            x, y = (quiet + col) * cell, top - (row + 1) * cell
            canvas.rect(x, y, cell, cell, stroke=0, fill=1)
        canvas.restoreState()


class _SealArea(Flowable):  # type: ignore[misc]
    """负责人签字 line on the left; the issuing organisation, the date and a dashed seal circle."""

    def __init__(self, organisation: str, date: str) -> None:
        super().__init__()
        self.organisation, self.date = organisation, date
        self.width, self.height = 170 * mm, 40 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(_font(), 11)
        canvas.drawString(0, 10 * mm, "负责人签字：________________")
        centre_x, centre_y, radius = 135 * mm, 20 * mm, 19 * mm
        canvas.saveState()
        canvas.setDash(2, 2)
        canvas.circle(centre_x, centre_y, radius)
        canvas.restoreState()
        canvas.setFont(_font(), 9)
        canvas.drawCentredString(centre_x, centre_y - 1 * mm, "（盖章）")
        size = 12.0  # a long organisation name shrinks to stay within the seal's column
        while size > 7 and canvas.stringWidth(self.organisation, _font(), size) > 68 * mm:
            size -= 0.5
        canvas.setFont(_font(), size)
        canvas.drawCentredString(centre_x, 4 * mm, self.organisation)
        canvas.setFont(_font(), 12)
        canvas.drawCentredString(centre_x, -2 * mm, self.date)


def _border(canvas: Canvas, document: object) -> None:
    """A certificate's double frame around the page."""
    width, height = A4
    canvas.saveState()
    canvas.setLineWidth(2.5)
    canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
    canvas.restoreState()


def render_pdf(
    blocks: Sequence[Block], *, title: str, author: str = "暖流", border: bool = False
) -> bytes:
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
        # the canvas starts in our font: no unembedded Helvetica in the page resources
        initialFontName=_font(),
    )
    pages = {"onFirstPage": _border, "onLaterPages": _border} if border else {}
    document.build([flowable for block in blocks for flowable in _flowables(block)], **pages)
    return buffer.getvalue()
