"""Per-recipient preferences: channels per category, quiet hours, urgent override.

The in-app inbox is always on: it is the record a recipient can come back to. Quiet hours hold
SMS back until they end, unless the notice is urgent and the recipient lets urgent ones through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from warmflow_notify.domain.model import (
    CATEGORY_NAMES,
    CHANNELS,
    CHINA,
    Category,
    Channel,
    Urgency,
)

DEFAULT_CHANNELS: Mapping[Category, tuple[Channel, ...]] = {
    "outflow": ("in_app", "email", "sms", "webhook"),
    "checkin": ("in_app", "email", "webhook"),
    "overdue": ("in_app", "email", "sms", "webhook"),
    # lost contact and self-withdrawal are sensitive: never posted to a group chat
    "contact": ("in_app", "email", "sms"),
    "transfer": ("in_app", "email", "sms", "webhook"),
    "learning": ("in_app", "email"),
    "talent": ("in_app", "email", "sms", "webhook"),
    # hardship and funding cases are sensitive: never posted to a group chat
    "support": ("in_app", "email", "sms"),
    # a member's reports to the home organisation: the work group's bot only when chosen
    "report": ("in_app", "email", "sms"),
    "digest": ("in_app", "email"),
}

# Channels whose messages a whole group reads (a work group's bot) and the categories that must
# never reach one, whatever a recipient chose or stored: hardship and funding cases (关爱帮扶) and
# lost-contact or self-withdrawal status (失联、自行脱党待认定) are high-sensitivity personal
# information (PIPL Art. 28; the domain's sensitivity list), read by those who manage the member.
GROUP_CHANNELS: frozenset[Channel] = frozenset({"webhook"})
NEVER_TO_GROUPS: frozenset[Category] = frozenset({"support", "contact"})


def not_to_groups(category: str) -> str:
    """Why the category's notices never go to a work group's bot (what staff read)."""
    name = next((n for c, n in CATEGORY_NAMES.items() if c == category), category)
    return f"{name}通知涉及个人敏感信息，不得发往工作群机器人"


# start == end would be an empty window: the caller meant none (null) or mistyped one end
SAME_QUIET_ENDS = "免打扰开始与结束时间不能相同；不需要免打扰请关闭此项"


def allowed(category: str, channel: str) -> bool:
    """Whether a notice of the category may ever go out through the channel."""
    return not (category in NEVER_TO_GROUPS and channel in GROUP_CHANNELS)


def refused_channels(
    channels: Mapping[Category, Iterable[Channel]],
) -> list[tuple[Category, Channel]]:
    """The (category, channel) choices the category does not allow."""
    return [
        (cat, chan) for cat, chans in channels.items() for chan in chans if not allowed(cat, chan)
    ]


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(CHINA).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight

    def end_after(self, moment: datetime) -> datetime:
        local = moment.astimezone(CHINA)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)


@dataclass(frozen=True)
class Preferences:
    channels: Mapping[Category, tuple[Channel, ...]] = field(default_factory=dict)
    quiet_hours: QuietHours | None = QuietHours(time(22, 0), time(7, 0))
    urgent_override: bool = False

    def channels_for(self, category: Category, urgency: Urgency) -> tuple[Channel, ...]:
        if urgency == "urgent" and self.urgent_override:
            chosen: tuple[Channel, ...] = CHANNELS
        else:
            chosen = self.channels.get(category, DEFAULT_CHANNELS[category])
        # whatever is stored (preferences saved before a rule existed included)
        return tuple(c for c in dict.fromkeys(("in_app", *chosen)) if allowed(category, c))

    def send_at(self, channel: Channel, urgency: Urgency, now: datetime) -> datetime:
        """When a notice may go out: SMS waits for the end of quiet hours unless urgent."""
        urgent = urgency == "urgent" and self.urgent_override
        if channel != "sms" or urgent or self.quiet_hours is None:
            return now
        if not self.quiet_hours.contains(now):
            return now
        return self.quiet_hours.end_after(now)

    def to_dict(self) -> dict[str, Any]:
        quiet = self.quiet_hours
        return {
            "channels": {category: list(chans) for category, chans in self.channels.items()},
            "quiet_hours": {"start": f"{quiet.start:%H:%M}", "end": f"{quiet.end:%H:%M}"}
            if quiet
            else None,
            "urgent_override": self.urgent_override,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Preferences:
        if not raw:
            return cls()
        quiet = raw.get("quiet_hours")
        return cls(
            channels={k: tuple(v) for k, v in (raw.get("channels") or {}).items()},
            quiet_hours=QuietHours(
                time.fromisoformat(quiet["start"]), time.fromisoformat(quiet["end"])
            )
            if quiet
            else None,
            urgent_override=bool(raw.get("urgent_override", False)),
        )


def usable(channels: Iterable[Channel], available: Iterable[Channel]) -> list[Channel]:
    allowed = set(available)
    return [channel for channel in channels if channel in allowed]
