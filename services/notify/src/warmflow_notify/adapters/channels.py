"""The channel senders the settings switch on; the in-app inbox needs none."""

from __future__ import annotations

from warmflow_notify.adapters.email import SmtpSender
from warmflow_notify.adapters.http_channels import SignedPoster, SmsSender, WebhookSender
from warmflow_notify.config import NotifySettings
from warmflow_notify.domain.model import Channel
from warmflow_notify.service_layer.ports import ChannelSender


def open_senders(settings: NotifySettings) -> dict[Channel, ChannelSender]:
    timeout = settings.notify_channel_timeout_seconds
    senders: dict[Channel, ChannelSender] = {}
    if settings.notify_smtp_host:
        password = settings.notify_smtp_password
        senders["email"] = SmtpSender(
            settings.notify_smtp_host,
            settings.notify_smtp_port,
            sender=settings.notify_smtp_sender,
            timeout=timeout,
            username=settings.notify_smtp_username,
            password=password.get_secret_value() if password else None,
            start_tls=settings.notify_smtp_starttls,
        )
    if settings.notify_sms_endpoint:
        secret = settings.notify_sms_secret.get_secret_value().encode()
        senders["sms"] = SmsSender(settings.notify_sms_endpoint, SignedPoster(secret, timeout))
    if settings.notify_webhooks_enabled:
        hook = settings.notify_webhook_secret
        poster = SignedPoster(hook.get_secret_value().encode() if hook else None, timeout)
        senders["webhook"] = WebhookSender(poster, settings.notify_webhook_internal_hosts)
    return senders
