"""Every PDF the platform prints embeds its fonts and reads the same without any Chinese font.

Rendered with poppler under a fontconfig that knows no font at all, as on a bare machine
(``warmflow_shared.testing.pdf_tools``). The letter of transfers is checked the same way in
``services/transfers/tests/test_letters.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warmflow_learning.adapters.certificate_pdf import certificate_pdf
from warmflow_learning.domain.model import Certificate
from warmflow_shared.testing.pdf_tools import BarePoppler


def _certificate() -> bytes:
    cert = Certificate(
        id="cert-0123456789abcdef01234567",
        member_id="m-1",
        member_name="阿卜杜·热合曼",
        class_id="cls-1",
        class_title="暖流成长营·电商直播班",
        hours=8.0,
        issued_at=datetime(2026, 12, 2, 4, 0, tzinfo=UTC),
        code="cert-0123456789abcdef01234567.ABCDEFGHJKMNPQRS",
    )
    url = "https://warmflow.example.gov.cn/api/learning/certificates/verify/" + cert.code
    return certificate_pdf(cert, url)


def test_the_certificate_embeds_its_fonts_and_reads_without_chinese_fonts() -> None:
    poppler = BarePoppler()
    pdf = poppler.save(_certificate(), "certificate.pdf")

    fonts = poppler.fonts(pdf)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    text = poppler.text(pdf)
    for expected in ("结业证书", "阿卜杜·热合曼", "暖流成长营·电商直播班", "8 小时", "盖章"):
        assert expected in text, expected
    # the code on one line, in full; the absolute verification address printed
    assert "cert-0123456789abcdef01234567.ABCDEFGHJKMNPQRS" in text
    assert "https://warmflow.example.gov.cn/api/learning/certificates/verify/" in text.replace(
        "\n", ""
    )
    assert poppler.png_size(pdf) > 2_000  # glyphs drawn, not a blank page
