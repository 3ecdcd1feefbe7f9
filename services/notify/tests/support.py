"""Clocks, bounded waiting and event builders shared by the notify suites."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from warmflow_shared.events.catalog import learning, registry, transfers
from warmflow_shared.events.envelope import Envelope
from warmflow_shared.testing.polling import until as until
from warmflow_shared.testing.servers import unique_name

# 12:00 in China: outside everyone's default quiet hours
NOON = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 23:00 in China


class Clock:
    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def envelope(event: Any, subject: str) -> Envelope:
    return event.to_envelope(subject=subject, producer="test")


def agreement(
    home: str, host: str, *, valid_until: date = date(2030, 12, 31), agreement_id: str = ""
) -> Envelope:
    """An active data-sharing agreement (共管共育) between two counties, as the registry says."""
    event = registry.AgreementActivated(
        agreement_id=agreement_id or unique_name("agr"), parties=sorted((home, host)),
        county=home, purposes=["management"], fields={"management": ["name", "phone"]},
        valid_from=date(2026, 1, 1), valid_until=valid_until,
    )  # fmt: skip
    return envelope(event, event.agreement_id)


class World:
    """Unique ids for one test: a member, two organisations, a site, a transfer.

    The member's home county is ``home`` (Yuexi), working in ``host`` (Yuhang).
    """

    home, host = "yuexi", "yuhang"

    def __init__(self) -> None:
        self.member_id = unique_name("m")
        self.outflow_org = unique_name("orgyx")
        self.inflow_org = unique_name("orgyh")
        self.site_id = unique_name("site")
        self.transfer_id = unique_name("tr")
        self.staff_id = unique_name("wang")
        # addresses of this test only, for receivers that may also get other runs' notices
        digits = str(uuid.uuid4().int)
        self.phone, self.staff_phone = "138" + digits[:8], "139" + digits[8:16]
        self.email, self.staff_email = f"{self.member_id}@example.cn", f"{self.staff_id}@example.cn"

    def sides(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "outflow_org_id": self.outflow_org,
            "outflow_county": self.home,
            "inflow_org_id": self.inflow_org,
            "inflow_county": self.host,
        }

    def member(
        self, *, phone: str = "13800138000", email: str = "zhang@example.cn", name: str = "张晓梅"
    ) -> Envelope:
        event = registry.MemberRegistered(
            **self.sides(), name=name, phone=phone, email=email, mobile_status="outflow"
        )
        return envelope(event, self.member_id)

    def organisations(self) -> list[Envelope]:
        def org(org_id: str, name: str, county: str) -> Envelope:
            event = registry.OrganisationCreated(
                org_id=org_id, code="001", name=name, type_code="631", county=county,
                province="安徽省" if county == "yuexi" else "浙江省",
            )  # fmt: skip
            return envelope(event, org_id)

        site = registry.SiteCreated(
            site_id=self.site_id, name="良渚暖流之家", level="town", county=self.host
        )
        return [
            org(self.outflow_org, "岳西县某村党支部", self.home),
            org(self.inflow_org, "余杭区流动党员综合党委", self.host),
            envelope(site, self.site_id),
            *self.agreements(),
        ]

    def agreements(self) -> list[Envelope]:
        """The agreement that lets the host county's staff see the member (Yuhang–Yuexi)."""
        return [agreement(self.home, self.host)]

    def outflow(self, *, by: str | None = None) -> Envelope:
        event = registry.OutflowRegistered(
            **self.sides(), card_number="LD2026001", reason_code="1", destination="杭州市余杭区",
            expected_months=12, registered_on=date(2026, 11, 1), check_in_due=date(2026, 12, 1),
            registered_by=by,
        )  # fmt: skip
        return envelope(event, self.member_id)

    def overdue(self) -> Envelope:
        event = registry.CheckInOverdue(**self.sides(), due_on=date(2026, 12, 1))
        return envelope(event, self.member_id)

    def withdrawal_flagged(self) -> Envelope:
        event = registry.SelfWithdrawalFlagged(
            **self.sides(), grounds=["dues", "org_life"], since=date(2026, 5, 10),
            org_life_since=date(2026, 5, 10), dues_since=date(2026, 5, 20),
        )  # fmt: skip
        return envelope(event, self.member_id)

    def withdrawal_dismissed(self) -> Envelope:
        event = registry.SelfWithdrawalCleared(
            **self.sides(), cleared_on=date(2026, 11, 28), how="dismissed",
            reason="因病住院，支部认定不属自行脱党", decided_by="li-yx",
        )  # fmt: skip
        return envelope(event, self.member_id)

    def withdrawal_confirmed(self) -> Envelope:
        event = registry.SelfWithdrawalConfirmed(
            **self.sides(), from_status="at_home", grounds=["dues", "org_life"],
            since=date(2026, 5, 10), confirmed_on=date(2026, 11, 28),
            reason="支部大会决议除名，县委组织部批复同意", decided_by="li-yx",
        )  # fmt: skip
        return envelope(event, self.member_id)

    def lost_contact(self) -> Envelope:
        event = registry.LostContactFlagged(
            **self.sides(), reason_code="3", unreachable_since=date(2026, 5, 1)
        )
        return envelope(event, self.member_id)

    def checked_in(self) -> Envelope:
        event = registry.CheckedIn(
            **self.sides(), site_id=self.site_id, checked_in_at=NOON, recorded_by="member"
        )
        return envelope(event, self.member_id)

    def transfer_sides(self) -> dict[str, Any]:
        return {
            "transfer_id": self.transfer_id,
            "member_id": self.member_id,
            "sending_org_id": self.outflow_org,
            "sending_county": "yuexi",
            "receiving_org_id": self.inflow_org,
            "receiving_county": "yuhang",
            "change_type_code": "141",
        }

    def letter_issued(self, *, drop: str | None = None) -> Envelope:
        event = transfers.LetterIssued(
            **self.transfer_sides(), serial_number="2026-YX-0007", dues_paid_until="2026-10",
            valid_until=date(2026, 12, 10),
        )  # fmt: skip
        env = envelope(event, self.transfer_id)
        return env.caused(data={k: v for k, v in env.data.items() if k != drop}) if drop else env

    def letter_expired(self) -> Envelope:
        event = transfers.LetterExpired(
            **self.transfer_sides(), serial_number="2026-YX-0007", expired_on=date(2026, 12, 10)
        )
        return envelope(event, self.transfer_id)

    def accepted(self) -> Envelope:
        event = transfers.TransferAccepted(
            **self.transfer_sides(), branch_id="b1", accepted_at=NOON
        )
        return envelope(event, self.transfer_id)

    def enrolment(self, member_id: str, class_id: str, *, cancelled: bool = False) -> Envelope:
        common = {"enrolment_id": f"e-{member_id}-{class_id}", "class_id": class_id}
        if cancelled:
            event: Any = learning.EnrolmentCancelled(**common, member_id=member_id)
        else:
            event = learning.EnrolmentCreated(**common, member_id=member_id, class_title="法治课")
        return envelope(event, common["enrolment_id"])

    def session_soon(self, class_id: str) -> Envelope:
        event = learning.SessionStartingSoon(
            session_id=unique_name("s"), class_id=class_id, course_title="党的二十大精神宣讲",
            starts_at=NOON + timedelta(days=1),
        )  # fmt: skip
        return envelope(event, event.session_id)
