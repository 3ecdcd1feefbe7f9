"""Pure rules: templates, backoff, quiet hours, masks, settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from warmflow_notify.config import NotifySettings
from warmflow_notify.domain.addresses import mask
from warmflow_notify.domain.catalog import TEMPLATES
from warmflow_notify.domain.notice import Attempt, Backoff, NoticeClosed, with_attempt
from warmflow_notify.domain.preferences import Preferences, QuietHours
from warmflow_notify.domain.rules import RULES
from warmflow_notify.domain.templates import MissingField, render
from warmflow_notify.domain.variables import template_variables
from warmflow_shared.events.catalog import CATALOG

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def test_every_rule_names_a_published_event_and_has_its_templates() -> None:
    published = {contract.wire_name for contract in CATALOG}
    for rule in RULES:
        assert rule.event in published
        audiences = {"member" if s in ("member", "class") else "staff" for s in rule.sides}
        for audience in audiences:
            assert TEMPLATES.current(f"{rule.event}.{audience}").version >= 1


def test_sms_text_is_short_and_a_blank_field_is_missing() -> None:
    template = TEMPLATES.current("registry.CheckInOverdue.member")
    sms = render(template, "sms", {"recipient_name": "张晓梅", "due_on": "2026年12月1日"})
    assert sms.body.startswith("【暖流】") and len(sms.body) <= 70
    with pytest.raises(MissingField) as caught:
        render(template, "email", {"recipient_name": "  ", "due_on": "2026年12月1日"})
    assert caught.value.fields == ["recipient_name"]


def test_backoff_doubles_up_to_its_cap_then_fails() -> None:
    backoff = Backoff(first_seconds=30, max_seconds=100, max_attempts=4)
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    state = {"status": "pending", "attempts": []}
    for n in range(3):
        state, retry_at = with_attempt(state, Attempt("transient", "503"), NOW, backoff)
        assert retry_at == NOW + backoff.delay(n + 1)
    state, retry_at = with_attempt(state, Attempt("transient", "503"), NOW, backoff)
    assert state["status"] == "failed" and retry_at is None
    with pytest.raises(NoticeClosed):
        with_attempt(state, Attempt("delivered"), NOW, backoff)


def test_quiet_hours_within_one_day_and_across_midnight() -> None:
    day = QuietHours(time(12, 0), time(14, 0))
    assert day.contains(NOW) and day.end_after(NOW) == NOW + timedelta(hours=2)
    night = Preferences().quiet_hours
    assert night is not None and not night.contains(NOW)
    assert Preferences().send_at("sms", "normal", NOW) == NOW


def test_masks_hide_contact_details() -> None:
    assert mask("sms", "13800138000") == "138****8000"
    assert mask("email", "zhang@example.cn") == "z***@example.cn"
    assert mask("webhook", "https://bot.example.cn/hook?key=secret") == "https://bot.example.cn/…"


def test_production_refuses_the_default_sms_secret() -> None:
    with pytest.raises(ValueError, match="SMS_SECRET"):
        NotifySettings(
            environment="production",
            pii_key="p" * 40,
            jwt_public_key_path="/k.pem",
            notify_sms_endpoint="https://sms.example.cn/send",
        )


@pytest.mark.parametrize(
    ("template", "variables", "words"),
    [
        (
            "transfers.TransferResubmitted.staff",
            {"member_name": "张晓梅", "reason": "补充材料"},
            "重新提交",
        ),
        (
            "transfers.MemberReported.staff",
            {"member_name": "张晓梅", "reported_at": "2026年12月2日", "serial_number": "2026-YX-7"},
            "2026-YX-7",
        ),
        (
            "learning.CertificateRevoked.member",
            {
                "recipient_name": "张晓梅",
                "reason": "考勤更正",
                "certificate_id": "cert-1",
                "class_label": "《法治讲堂》",
            },
            "已撤销",
        ),
    ],
)
def test_resubmission_report_and_revocation_have_notices(
    template: str, variables: dict[str, str], words: str
) -> None:
    for channel in ("email", "sms"):
        rendered = render(TEMPLATES.current(template), channel, variables)
        assert words in rendered.subject + rendered.body
    assert {r.event for r in RULES} >= {template.rsplit(".", 1)[0]}


@pytest.mark.parametrize(
    ("event", "fields"),
    [
        ("learning.CertificateIssued", {"certificate_id": "cert-1", "verification_code": "V1"}),
        ("learning.CertificateRevoked", {"certificate_id": "cert-1", "reason": "考勤更正"}),
        ("learning.EnrolmentCancelled", {"reason": "由本人取消"}),
        ("learning.EnrolmentCreated", {}),
    ],
)
def test_a_member_s_class_notices_name_the_class(event: str, fields: dict[str, str]) -> None:
    """A member in two classes got two identical "结业证书已颁发" notices (and "一个班次的报名
    已取消"): each now names its class; an event from before the title was carried still reads."""
    template = TEMPLATES.current(f"{event}.member")
    data = {"enrolment_id": "e1", "class_id": "c1", "member_id": "m1", **fields}
    names = {"recipient_name": "张晓梅"}
    for channel in ("email", "sms"):
        titled = render(
            template, channel, template_variables({**data, "class_title": "春训班"}, names)
        )
        assert "《春训班》" in titled.subject and "《春训班》" in titled.body
        older = render(template, channel, template_variables(data, names))
        assert "暖流成长营" in older.subject + older.body


def test_notice_subjects_follow_one_pattern() -> None:
    """事由, or 事由：对象 (a full-width colon), a course's or class's title in 《》 as in
    the bodies: 报名成功：春训班 and 课程即将开始：党课 read unlike 结业证书已颁发：《春训班》."""
    every = TEMPLATES.keys()
    for key in every:
        subject = TEMPLATES.current(key).subject
        assert ":" not in subject and subject.count("：") <= 1, (key, subject)
        for title in re.finditer(r"\{(class|course)_title\}", subject):
            assert subject[title.start() - 1 : title.end() + 1] == f"《{title.group()}》", key
    soon = TEMPLATES.current("learning.SessionStartingSoon.member")
    variables = {"recipient_name": "张晓梅", "course_title": "党课", "starts_at": "12:00"}
    assert render(soon, "email", variables).subject == "课程即将开始：《党课》"


def test_a_month_reads_as_on_the_letter() -> None:
    """党费交至 is a month: the notice says 2026年10月 as the printed letter does, not 2026-10."""
    variables = template_variables(
        {"dues_paid_until": "2026-10", "serial_number": "2026-YX-07"}, {}
    )
    assert variables["dues_paid_until"] == "2026年10月"
    assert variables["serial_number"] == "2026-YX-07"
