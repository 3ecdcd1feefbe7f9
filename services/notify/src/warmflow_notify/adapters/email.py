"""Email over SMTP (aiosmtplib): 2xx/3xx delivered, 4xx retried, 5xx and bad addresses failed."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from warmflow_notify.domain.addresses import valid_email
from warmflow_notify.domain.notice import Attempt
from warmflow_notify.service_layer.ports import Message


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        timeout: float,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
    ) -> None:
        self._host, self._port = host, port
        self._sender = sender
        self._timeout = timeout
        self._login = (username, password) if username else None
        self._start_tls = start_tls

    async def send(self, message: Message) -> Attempt:
        if not valid_email(message.address):
            return Attempt("permanent", "邮箱地址无效")
        try:
            _refused, reply = await aiosmtplib.send(
                self._compose(message),
                hostname=self._host,
                port=self._port,
                timeout=self._timeout,
                start_tls=self._start_tls,
                username=self._login[0] if self._login else None,
                password=self._login[1] if self._login else None,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _classify(exc.recipients[0].code, exc.recipients[0].message)
        except aiosmtplib.SMTPResponseException as exc:
            return _classify(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Attempt("transient", f"邮件服务器不可达：{type(exc).__name__}")
        return Attempt("delivered", f"SMTP {reply}"[:200])

    def _compose(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        # the notice id in the Message-ID lets a receiver drop a resend after a crash
        mail["Message-ID"] = make_msgid(idstring=message.notice_id, domain="warmflow.notify")
        mail["X-Warmflow-Notice-Id"] = message.notice_id
        mail.set_content(message.body)
        return mail

    async def close(self) -> None:
        return None


def _classify(code: int, text: str) -> Attempt:
    detail = f"SMTP {code} {text}"[:200]
    return Attempt("transient" if 400 <= code < 500 else "permanent", detail)
