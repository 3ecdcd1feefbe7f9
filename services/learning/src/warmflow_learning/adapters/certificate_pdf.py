"""The printable certificate (结业证书), rendered with the shared PDF module."""

from __future__ import annotations

from datetime import timedelta, timezone

from warmflow_shared.documents.pdf import Block, Fields, Gap, Heading, Text, render_pdf

from warmflow_learning.domain.model import Certificate


def certificate_pdf(cert: Certificate, verify_url: str, utc_offset_hours: int = 8) -> bytes:
    zone = timezone(timedelta(hours=utc_offset_hours))
    issued = cert.issued_at.astimezone(zone).strftime("%Y年%m月%d日")
    blocks: list[Block] = [
        Heading("结业证书", size=24),
        Text(f"{cert.member_name} 同志：", size=14),
        Gap(4),
        Text(f"参加《{cert.class_title}》学习，累计学时 {cert.hours:g} 小时，成绩合格，准予结业。"),
        Text("离乡不离党，流动不停学。特发此证。"),
        Gap(8),
        Fields(
            [
                ("证书编号", cert.id),
                ("发证日期", issued),
                ("验证码", cert.code),
                ("验证方式", verify_url),
            ]
        ),
        Gap(10),
        Text("暖流成长营", align="right"),
    ]
    return render_pdf(blocks, title=f"结业证书 {cert.id}")
