"""The printable certificate (结业证书), rendered with the shared PDF module.

A double frame, the holder and the class, the hours from the final attendance, the verification
code in a monospace face that is never wrapped, a QR code of the absolute verification address,
and the issuing organisation with its signature line and seal area.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from warmflow_shared.documents.pdf import (
    Block,
    Code,
    Fields,
    Gap,
    Heading,
    QrCode,
    Seal,
    Text,
    render_pdf,
)

from warmflow_learning.domain.model import Certificate

PROGRAMME = "暖流成长营"


def certificate_pdf(
    cert: Certificate, verify_url: str, utc_offset_hours: int = 8, issuer: str | None = None
) -> bytes:
    """``issuer``: the organisation that runs the class (its seal); else the programme."""
    zone = timezone(timedelta(hours=utc_offset_hours))
    issued = cert.issued_at.astimezone(zone).strftime("%Y年%m月%d日")
    blocks: list[Block] = [
        Gap(8),
        Heading("结业证书", size=28),
        Gap(6),
        Text(f"{cert.member_name} 同志：", size=15),
        Gap(3),
        Text(
            f"参加《{cert.class_title}》学习，累计学时 {cert.hours:g} 小时，成绩合格，准予结业。",
            size=14,
        ),
        Text("离乡不离党，流动不停学。特发此证。", size=14),
        Gap(6),
        Fields([("证书编号", cert.id), ("发证日期", issued), ("学时", f"{cert.hours:g} 小时")]),
        Gap(8),
        Seal(issuer or PROGRAMME, issued),
        Gap(12),
        Text("验证码", size=10, align="center"),
        Code(cert.code, size=11),
        Gap(2),
        QrCode(verify_url, size_mm=34, caption="扫码或访问下方地址验证证书真伪"),
        Text(verify_url, size=8, align="center"),
    ]
    return render_pdf(blocks, title=f"结业证书 {cert.id}", border=True)
