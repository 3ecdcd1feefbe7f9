"""The certificate check as a page: the QR code printed on a certificate opens the verification
address in a phone's browser, which showed whoever scanned it raw JSON. A browser (it asks for
HTML) gets this page; programs keep the JSON."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from starlette.requests import Request

from warmflow_learning.service_layer.records import Verification

CHINA = ZoneInfo("Asia/Shanghai")
STYLE = (
    "body{font-family:sans-serif;margin:0;background:#f5f5f5;color:#333}"
    "main{max-width:28rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:8px}"
    "h1{font-size:1.25rem;margin:0 0 1rem}.valid{color:#1a7f37}.bad{color:#c62828}"
    "dt{color:#888;font-size:.85rem;margin-top:.75rem}dd{margin:.15rem 0 0}"
    "footer{color:#999;font-size:.8rem;margin-top:1.5rem}"
)


def wants_html(request: Request) -> bool:
    """A browser's request (HTML before JSON in its Accept), not a program's."""
    accept = request.headers.get("accept", "").lower()
    html = accept.find("text/html")
    json = accept.find("application/json")
    return html >= 0 and (json < 0 or html < json)


def _day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}<footer>暖流成长营 · 结业证书核验</footer></main></body></html>"
    )


def verified_page(found: Verification) -> str:
    state = "valid" if found.valid else "bad"
    rows = [
        ("证书编号", found.certificate_id),
        ("持证人", found.holder),
        ("班次", found.class_title),
        ("学时", f"{found.hours:g}"),
        ("颁发日期", _day(found.issued_at)),
    ]
    if found.revised_at:
        rows.append(("更正日期", _day(found.revised_at)))
    if found.revoked_at:
        rows.append(("撤销日期", _day(found.revoked_at)))
        rows.append(("撤销原因", found.revoked_reason or ""))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    heading = f'<h1 class="{state}">证书{escape(found.status_name)}</h1>'
    return _page(f"结业证书核验：{found.status_name}", f"{heading}<dl>{items}</dl>")


def not_found_page(reason: str) -> str:
    body = f'<h1 class="bad">{escape(reason)}</h1><p>请核对证书上的二维码或核验链接是否完整。</p>'
    return _page("结业证书核验：无效", body)
