"""`carepulse alerts`: the SLA alerts of the alerts topic, one line each, for on-call.

Alerts are at least once (a worker raises again what its last checkpoint had not
covered, with the same `alert_id`): the reader prints each `alert_id` once. It never
prints the conversation id the record carries (docs/cli.md, "carepulse alerts").
"""

from __future__ import annotations

import argparse
import sys

from streams.cli.arguments import instant_us
from streams.cli.common import EXAMPLE_INSTANT, Commands, add_command
from streams.cli.reading import add_reader_options, read_topic
from streams.config import load_config


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
    from streams.cli.alerts_output import AlertPrinter

    printer = AlertPrinter(args.since_us, args.json)
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
