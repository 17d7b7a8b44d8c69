"""`carepulse alerts`: the SLA alerts of the alerts topic, one line each, for on-call.

Alerts are at least once (a worker raises again what its last checkpoint had not
covered, with the same `alert_id`): the reader prints each `alert_id` once. It never
prints the conversation id the record carries (docs/cli.md, "carepulse alerts").
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from streams.audit.units import duration
from streams.cli.arguments import instant_us
from streams.cli.common import EXAMPLE_INSTANT, Commands, add_command
from streams.cli.reading import add_reader_options, read_topic, safe_text
from streams.config import load_config
from streams.kafka.alerts import AlertRecord, read_alert
from streams.kpi.timeutil import US_PER_SECOND, iso_from_us
from streams.state.watch import SlaAlert

if TYPE_CHECKING:
    from streams.kafka.reader import Record


def add_parser(commands: Commands) -> None:
    alerts = add_command(commands, "alerts", "print the SLA alerts of the alerts topic, one "
                                             "line each")
    add_reader_options(alerts, "alerts_topic", "CAREPULSE_ALERTS_TOPIC", "care.alerts")
    alerts.add_argument("--since", dest="since_us", type=instant_us, metavar="TIMESTAMP",
                        help="only alerts raised at or after this instant: RFC 3339 with a "
                             f"UTC offset, e.g. {EXAMPLE_INSTANT} (default: every alert)")
    alerts.add_argument("--json", action="store_true",
                        help="one JSON object per alert instead of a readable line "
                             "(default: readable lines)")


def run(args: argparse.Namespace) -> int:
    printer = _AlertPrinter(args.since_us, args.json)
    read_topic(args, load_config(args.config), lambda kafka: kafka.alerts_topic, printer.take)
    if printer.repeated:
        print(f"carepulse alerts: skipped {printer.repeated:,} repeated alert"
              f"{'s' * (printer.repeated > 1)} (same alert_id as an earlier one)",
              file=sys.stderr)
    if printer.foreign:
        print(f"carepulse alerts: skipped {printer.foreign:,} record"
              f"{'s' * (printer.foreign > 1)} that {'is' if printer.foreign == 1 else 'are'} "
              f"not a carepulse.alert/v1 alert (the first at {printer.first_foreign})",
              file=sys.stderr)
    return 0


@dataclass
class _AlertPrinter:
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
