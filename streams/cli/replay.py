"""`carepulse replay`: the audit report of an event log, from a file or a topic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from streams.audit.html.period import comparison_range
from streams.audit.ledger import Ledger
from streams.audit.replay import replay_file
from streams.audit.report import AuditRun
from streams.cli.arguments import bootstrap_servers, instant_us
from streams.cli.common import (
    CONFIG_HELP,
    EXAMPLE_INSTANT,
    EXIT_NOTHING_ACCEPTED,
    Commands,
    NothingAccepted,
    UsageError,
    add_command,
    check_input_file,
    repeated_dead_letters_note,
)
from streams.cli.replay_output import LEDGER_SUFFIXES, write_outputs, zone
from streams.config import CarePulseConfig, load_config


def add_parser(commands: Commands) -> None:
    replay = add_command(commands, "replay", "audit report of an event log (a file or a topic)")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path, metavar="FILE",
                        help="JSONL file of events, one per line, in arrival order")
    source.add_argument("--topic", metavar="NAME",
                        help="Kafka topic to read, every partition from its beginning to its "
                             "end as seen at start")
    replay.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers for --topic (default: CAREPULSE_BROKER, else "
                             "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    replay.add_argument("--from", dest="from_us", type=instant_us, metavar="TIMESTAMP",
                        help="range start, inclusive: RFC 3339 with a UTC offset, e.g. "
                             f"{EXAMPLE_INSTANT} or 2026-11-02T01:00:00+01:00 (default: the "
                             "earliest event time)")
    replay.add_argument("--to", dest="to_us", type=instant_us, metavar="TIMESTAMP",
                        help="range end, exclusive: RFC 3339 with a UTC offset, like --from "
                             "(default: the latest event time + 1 s)")
    replay.add_argument("--config", type=Path, metavar="FILE", help=CONFIG_HELP)
    replay.add_argument("--format", choices=("json", "table", "html"), default="json",
                        help="json: the report as indented JSON with sorted keys; table: a "
                             "readable summary; html: one self-contained page with tiles "
                             "and charts for people, to mail or print (default: json)")
    replay.add_argument("--tz", type=zone, metavar="ZONE",
                        help="--format html: the IANA time zone of its dates and hourly "
                             "chart, e.g. Europe/Paris (default: UTC)")
    replay.add_argument("--compare-from", type=instant_us, metavar="TIMESTAMP",
                        help="--format html: start of the period the tiles compare with "
                             "(default: the period of the same length before --from, when "
                             "--from and --to are given)")
    replay.add_argument("--compare-to", type=instant_us, metavar="TIMESTAMP",
                        help="--format html: end (exclusive) of that period (default: "
                             "--from; give both or neither)")
    replay.add_argument("--ledger", type=Path, metavar="FILE",
                        help="also write one row per conversation cycle of the range to "
                             "FILE, CSV or JSON lines by its extension (.csv, .jsonl); its "
                             "sha256 is printed on stderr with the report digest (default: "
                             "no ledger)")
    replay.add_argument("--out", type=Path, metavar="FILE",
                        help="write the report to FILE (default: stdout)")
    replay.add_argument("--rejects", type=Path, metavar="FILE",
                        help="write each rejected record to FILE, one JSON object per line: "
                             "line (or partition and offset; for a dead letter its source "
                             "topic, partition and offset), reason, field, raw (default: "
                             "not written; they are counted in the report)")
    replay.add_argument("--allow-empty", action="store_true",
                        help="write the empty report and exit 0 when no event is accepted "
                             "(default: no report, one line on stderr, exit "
                             f"{EXIT_NOTHING_ACCEPTED})")


def run(args: argparse.Namespace) -> int:
    _check_arguments(args)
    if args.input is not None:
        check_input_file(args.input)
    config = load_config(args.config)
    html = args.format == "html"
    compare = comparison_range(args.from_us, args.to_us, args.compare_from, args.compare_to)
    ledger = None if args.ledger is None else Ledger()
    run = AuditRun(config, args.from_us, args.to_us, compare=compare if html else None,
                   charts=html, cycles=ledger)
    rejects: IO[str] | None = None
    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        if args.topic is not None:
            _replay_topic(args, config, run, rejects)
        else:
            replay_file(args.input, run, rejects, show_progress=sys.stderr.isatty())
    finally:
        if rejects is not None:
            rejects.close()
    if run.engine.accepted == 0 and not args.allow_empty:
        source = f"topic {args.topic!r}" if args.topic is not None else str(args.input)
        unit = "record" if args.topic is not None else "line"
        raise NothingAccepted(
            f"{source}: {_nothing_accepted(run, unit, args.rejects is not None)}"
        )
    write_outputs(args, run, ledger, compare, args.tz or ZoneInfo("UTC"))
    return 0


def _check_arguments(args: argparse.Namespace) -> None:
    if args.from_us is not None and args.to_us is not None and args.to_us <= args.from_us:
        raise UsageError("--to must be after --from")
    if (args.compare_from is None) != (args.compare_to is None):
        raise UsageError("--compare-from and --compare-to go together: give both")
    if args.compare_from is not None and args.compare_to <= args.compare_from:
        raise UsageError("--compare-to must be after --compare-from")
    if args.format != "html" and (args.tz is not None or args.compare_from is not None):
        raise UsageError("--tz, --compare-from and --compare-to apply to --format html only")
    if args.ledger is not None and args.ledger.suffix not in LEDGER_SUFFIXES:
        raise UsageError(f"--ledger {args.ledger}: name a .csv or .jsonl file (the "
                         "extension chooses the format)")


def _nothing_accepted(run: AuditRun, unit: str, rejects_written: bool) -> str:
    """Why there is no report: what was read and rejected, and the most common reason."""
    read, rejected = run.read, sum(run.rejected.values())
    message = f"no event accepted: {read:,} {unit}{'s' * (read != 1)} read"
    if rejected:
        reason, count = max(run.rejected.items(), key=lambda item: item[1])
        message += f", {rejected:,} rejected, most often {reason} ({count:,})"
    message += "; nothing to report (--allow-empty writes an empty report"
    if rejected and not rejects_written:
        message += "; --rejects FILE lists the rejected ones"
    return message + ")"


def _replay_topic(
    args: argparse.Namespace, config: CarePulseConfig, run: AuditRun, rejects: IO[str] | None
) -> None:
    from streams.audit.topic_replay import TopicReadError, replay_topic
    from streams.kafka.settings import client_security, kafka_settings

    kafka = kafka_settings(config)
    try:
        repeated = replay_topic(args.broker or kafka.bootstrap_servers, args.topic, run,
                                rejects, security=client_security(kafka))
    except TopicReadError as error:
        raise UsageError(str(error)) from error
    if repeated:
        print(f"carepulse replay: {repeated_dead_letters_note(repeated)}", file=sys.stderr)
