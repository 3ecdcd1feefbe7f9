"""Printable PDF documents with Chinese text (letters, receipts, certificates).

Text is set in a real TrueType Chinese font whose used glyphs are embedded as a subset, so the
document shows the same on a machine without any Chinese font (and "·" and the like survive):
WenQuanYi Micro Hei (Debian's ``fonts-wqy-microhei``, installed by ``make fonts``,
``deploy/Dockerfile`` and ``.ci/run``), or the TrueType file ``WARMFLOW_PDF_FONT`` names. Without
one, text falls back to Adobe's non-embedded ``STSong-Light`` and a warning is logged once:
readers without the Asian font pack then show empty boxes. Codes are set in the collection's
monospace face.

Characters the TrueType face lacks — rare characters of names (生僻字) in CJK Extension A and
beyond, e.g. 䶮 U+4DAE or 𬌗 U+2C317 — are set, run by run, in HanaMin A or B (Debian's
``fonts-hanazono``, TrueType covering the CJK extensions, installed alongside), also embedded
as a subset and only in a document that uses them. Without those files such characters print
blank, as before, and a warning names them (each once per process).

Lines wrap by CJK rules. A document is a list of blocks; ``NewPage`` starts a new page and
``CutLine`` draws the dashed line along which a stub is torn off.
"""

from __future__ import annotations

import io
import os
import re
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
from reportlab.pdfbase import pdfmetrics, ttfonts
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
# faces for what the main one lacks (rare name characters), tried in order: (font name, file)
RARE_FONT_FILES = (
    ("WarmflowRareA", "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"),
    ("WarmflowRareB", "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
)
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap
_PAST_BMP = re.compile(r"^(<[0-9A-F]{2}>) <([0-9A-F]{5,6})>$", re.MULTILINE)


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap with a character past U+FFFF written as UTF-16 (a surrogate
    pair), as PDF requires: reportlab writes its five hex digits, which readers cut to four
    (𬌗 U+2C317 would be copied and searched as ⰱ U+2C31)."""

    def utf16(match: re.Match[str]) -> str:
        char = chr(int(match[2], 16))
        return f"{match[1]} <{char.encode('utf-16-be').hex().upper()}>"

    return _PAST_BMP.sub(utf16, _reportlab_to_unicode_cmap(fontname, subset))


ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # read by TTFont.addObjects when a PDF is written


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


def rare_fonts_installed() -> bool:
    """Whether every face for rare name characters (``fonts-hanazono``) is on this machine."""
    return all(Path(path).is_file() for _, path in RARE_FONT_FILES)


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


def _cmap(font: str) -> dict[int, int] | None:
    """Code point → glyph of a registered TrueType face (None: a CID font, coverage unknown)."""
    face = getattr(pdfmetrics.getFont(font), "face", None)
    return getattr(face, "charToGlyph", None)


@cache
def _rare_fonts() -> tuple[tuple[str, dict[int, int]], ...]:
    """The rare-character faces found here, registered once (read only when a text needs one)."""
    found = []
    for name, path in RARE_FONT_FILES:
        if not Path(path).is_file():
            continue  # not installed: the characters it would show are named in a warning
        try:
            pdfmetrics.registerFont(TTFont(name, path))
        except TTFError as exc:
            log.warning("pdf.rare_font_unusable", path=path, error=str(exc))
            continue
        found.append((name, _cmap(name) or {}))
    return tuple(found)


_unshown: set[str] = set()  # characters no face has, each warned about once


def _runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` as (font, run) pieces: each character in ``font`` or else the first rare face
    that has it; one no face has stays in ``font`` (a blank) and is named in a warning once."""
    cmap = _cmap(font)
    runs: list[tuple[str, str]] = []
    missing = []
    for char in text:
        chosen = font
        if cmap is not None and ord(char) not in cmap and char.isprintable():
            chosen = next((name for name, rare in _rare_fonts() if ord(char) in rare), font)
            if chosen == font and char not in _unshown:
                missing.append(char)
        if runs and runs[-1][0] == chosen:
            runs[-1] = (chosen, runs[-1][1] + char)
        else:
            runs.append((chosen, char))
    if missing:
        _unshown.update(missing)
        log.warning(
            "pdf.characters_not_shown",
            characters="".join(missing),
            code_points=" ".join(f"U+{ord(char):04X}" for char in missing),
            hint="install fonts-hanazono (HanaMinA.ttf, HanaMinB.ttf)",
        )
    return runs


def _markup(text: str, font: str) -> str:
    """Paragraph markup of ``text`` in ``font``, escaped (member-supplied text must never be
    read as reportlab markup), with runs the face lacks in a rare face."""
    return "".join(
        escape(run) if name == font else f'<font name="{name}">{escape(run)}</font>'
        for name, run in _runs(text, font)
    )


def _width(text: str, font: str, size: float) -> float:
    return float(sum(pdfmetrics.stringWidth(run, name, size) for name, run in _runs(text, font)))


def _draw_centred(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    """``canvas.drawCentredString`` in the text face, with rare characters in a rare face."""
    font = _font()
    left = x - _width(text, font, size) / 2
    for name, run in _runs(text, font):
        canvas.setFont(name, size)
        canvas.drawString(left, y, run)
        left += pdfmetrics.stringWidth(run, name, size)


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
    return Paragraph(_markup(text, _font()).replace("\n", "<br/>"), _style(size, align))


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
            return [Paragraph(_markup(text, mono_font()), style)]
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
        _draw_centred(canvas, centre_x, centre_y - 1 * mm, "（盖章）", 9)
        size = 12.0  # a long organisation name shrinks to stay within the seal's column
        while size > 7 and _width(self.organisation, _font(), size) > 68 * mm:
            size -= 0.5
        _draw_centred(canvas, centre_x, 4 * mm, self.organisation, size)
        _draw_centred(canvas, centre_x, -2 * mm, self.date, 12)


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
