"""What `carepulse alerts` prints: each alert of the alerts topic once (by `alert_id`),
as a readable line or a JSON object, never with its conversation id."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from streams.audit.units import duration
from streams.cli.reading import safe_text
from streams.kafka.alerts import AlertRecord, read_alert
from streams.kpi.timeutil import US_PER_SECOND, iso_from_us
from streams.state.watch import SlaAlert

if TYPE_CHECKING:
    from streams.kafka.reader import Record


@dataclass
class AlertPrinter:
    """Prints each alert raised at or after `since_us` once; counts the repeated copies
    and the records that are not alerts."""

    since_us: int | None
    as_json: bool
    seen: set[str] = field(default_factory=set)
    repeated: int = 0
    foreign: int = 0
    first_foreign: str = ""

    def take(self, record: Record) -> None:
        found = read_alert(record.value)
        if found is None:
            self.foreign += 1
            self.first_foreign = self.first_foreign or (
                f"partition {record.partition} offset {record.offset}")
            return
        if found.alert_id in self.seen:
            self.repeated += 1
            return
        self.seen.add(found.alert_id)
        if self.since_us is None or found.alert.raised_at_us >= self.since_us:
            print(alert_json(found) if self.as_json else alert_line(found.alert), flush=True)


def alert_line(alert: SlaAlert) -> str:
    """`2026-11-02T10:15:00Z  breached  policy fast  target first_response  channel x
    deadline 2026-11-02T10:03:00Z  12 min late` (one line): times to the second."""
    texts = [safe_text(text) for text in (alert.policy, alert.channel)]
    return (f"{_to_second(alert.raised_at_us)}  {alert.kind}  policy {texts[0]}  target "
            f"{alert.target}  channel {texts[1]}  deadline {_to_second(alert.deadline_us)}  "
            f"{lateness(alert)}")


def lateness(alert: SlaAlert) -> str:
    """How the alert's time stands to its deadline, in human units: `12 min late`, `due in
    2 min` (at risk), `2 min before the deadline` (cleared)."""
    late_us = alert.raised_at_us - alert.deadline_us
    if late_us > 0:
        return f"{human_duration(late_us)} late"
    if alert.kind == "at_risk":
        return f"due in {human_duration(-late_us)}"
    return f"{human_duration(-late_us)} before the deadline"


def human_duration(duration_us: int) -> str:
    """The report's two largest whole units (`1 h 23 min`, `59 s`); `<1 s` under a
    second, `0 s` for none."""
    if 0 < duration_us < US_PER_SECOND:
        return "<1 s"
    return duration(duration_us // US_PER_SECOND)


def alert_json(found: AlertRecord) -> str:
    """The alert's record without its conversation id, plus `late_seconds` (raised_at -
    deadline, negative before the deadline)."""
    alert = found.alert
    return json.dumps({
        "alert_id": found.alert_id, "kind": alert.kind, "policy": alert.policy,
        "target": alert.target, "channel": alert.channel, "brand": alert.brand,
        "priority": alert.priority, "deadline": iso_from_us(alert.deadline_us),
        "raised_at": iso_from_us(alert.raised_at_us),
        "late_seconds": (alert.raised_at_us - alert.deadline_us) / US_PER_SECOND,
    }, ensure_ascii=False)


def _to_second(instant_us: int) -> str:
    return iso_from_us(instant_us - instant_us % US_PER_SECOND)
