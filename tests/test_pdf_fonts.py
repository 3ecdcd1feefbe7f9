"""Every PDF the platform prints embeds its fonts and reads the same without any Chinese font.

Rendered with poppler under a fontconfig that knows no font at all, as on a bare machine
(``warmflow_shared.testing.pdf_tools``). The letter of transfers is checked the same way in
``services/transfers/tests/test_letters.py``; rare name characters in ``shared/tests/documents``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from warmflow_learning.adapters.certificate_pdf import certificate_pdf
from warmflow_learning.domain.model import Certificate
from warmflow_shared.testing.pdf_tools import BarePoppler


def _certificate(name: str = "阿卜杜·热合曼", issuer: str | None = None) -> bytes:
    cert = Certificate(
        id="cert-0123456789abcdef01234567",
        member_id="m-1",
        member_name=name,
        class_id="cls-1",
        class_title="暖流成长营·电商直播班",
        hours=8.0,
        issued_at=datetime(2026, 12, 2, 4, 0, tzinfo=UTC),
        code="cert-0123456789abcdef01234567.ABCDEFGHJKMNPQRS",
    )
    url = "https://warmflow.example.gov.cn/api/learning/certificates/verify/" + cert.code
    return certificate_pdf(cert, url, issuer=issuer)


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


def test_a_rare_name_prints_whole_on_the_certificate() -> None:
    """䶮 (CJK Extension A) and 𬌗 (Extension E) are not in WenQuanYi Micro Hei: a fallback face."""
    poppler = BarePoppler(rare_fonts=True)
    pdf = poppler.save(_certificate("王䶮𬌗", issuer="䶮𬌗村党支部"), "certificate.pdf")

    fonts = poppler.fonts(pdf)
    assert all(embedded for _, embedded in fonts), fonts
    assert any("HanaMin" in name for name, _ in fonts), fonts
    text = poppler.text(pdf)
    assert "王䶮𬌗 同志" in text and "䶮𬌗村党支部" in text, text
