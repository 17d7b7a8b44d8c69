"""`carepulse produce`: a JSONL file of events to Kafka, keyed by conversation_id."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

from streams.cli.arguments import bootstrap_servers, positive_rate
from streams.cli.common import Commands, UsageError, add_command, check_input_file
from streams.config import load_config

MAX_INVALID_LINES_SHOWN = 20


def add_parser(commands: Commands) -> None:
    produce = add_command(commands, "produce", "publish a JSONL file of events to Kafka, keyed "
                                            "by conversation_id")
    produce.add_argument("--input", type=Path, required=True, metavar="FILE",
                         help="JSONL file of events (required)")
    produce.add_argument("--topic", metavar="NAME",
                         help="topic (default: CAREPULSE_INPUT_TOPIC, else kafka.input_topic "
                              "of --config, else care.events)")
    produce.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                         help="bootstrap servers (default: CAREPULSE_BROKER, else "
                              "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    produce.add_argument("--rate", type=positive_rate, metavar="EVENTS_PER_SECOND",
                         help="pace to this many events/s (default: as fast as possible)")
    checking = produce.add_mutually_exclusive_group()
    checking.add_argument("--raw", action="store_true",
                          help="send every non-blank line unvalidated, to exercise the DLQ "
                               "(default: validate every line first and send nothing if one "
                               "is invalid)")
    checking.add_argument("--skip-invalid", action="store_true",
                          help="send the valid lines and skip the invalid ones, with a "
                               "summary on stderr (default: send nothing if one line is "
                               "invalid)")
    produce.add_argument("--rejects", type=Path, metavar="FILE",
                         help="write each invalid line to FILE, one JSON object per line: "
                              "line, reason, field, detail, raw, as replay --rejects does "
                              "(default: not written; not with --raw)")
    produce.add_argument("--live", action="store_true",
                         help="stamp each valid event's occurred_at with the wall clock as "
                              "it is sent (UTC), so simulated traffic happens now; with "
                              "--rate, at a live pace (default: every line as it is)")
    produce.add_argument("--partitions", type=int, metavar="N",
                         help="partitions of the topic if it is created (default: "
                              "kafka.partitions of --config, else 4)")
    produce.add_argument("--config", type=Path, metavar="FILE",
                         help="TOML configuration file: its [kafka] section (broker, topic, "
                              "partitions, SASL and TLS settings) (default: none)")


def run(args: argparse.Namespace) -> int:
    from streams.audit.replay import reject_line
    from streams.kafka.produce import InvalidLine, ProduceError, invalid_lines, produce_file
    from streams.kafka.settings import client_security, kafka_settings

    check_input_file(args.input)
    if args.raw and args.rejects is not None:
        raise UsageError("--rejects lists invalid lines: --raw validates none")
    settings = kafka_settings(load_config(args.config))
    partitions = settings.partitions if args.partitions is None else args.partitions
    if partitions < 1:
        raise UsageError("--partitions must be >= 1")
    topic = args.topic or settings.input_topic
    rejects: IO[str] | None = None
    rejected: Counter[str] = Counter()

    def reject(line: InvalidLine) -> None:
        rejected[line.rejection.reason] += 1
        if rejects is not None:
            rejects.write(reject_line(line.line_number, line.rejection, line.raw) + "\n")

    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        if not args.raw and not args.skip_invalid:
            count = 0
            for count, line in enumerate(invalid_lines(args.input), 1):
                reject(line)
                if count <= MAX_INVALID_LINES_SHOWN:
                    print(line.describe(str(args.input)), file=sys.stderr)
            if count > MAX_INVALID_LINES_SHOWN:
                print(f"... and {count - MAX_INVALID_LINES_SHOWN:,} more", file=sys.stderr)
            if count:
                listed = f"; listed in {args.rejects}" if args.rejects is not None else ""
                raise UsageError(f"{args.input}: {count:,} invalid line{'s' * (count > 1)}, "
                                 f"nothing sent{listed} (--skip-invalid sends the valid "
                                 "ones, --raw sends every line unvalidated)")
        stamp = _live_stamp() if args.live else None
        try:
            sent = produce_file(args.input, args.broker or settings.bootstrap_servers, topic,
                                args.rate, partitions, client_security(settings),
                                on_invalid=reject if args.skip_invalid else None, stamp=stamp)
        except ProduceError as error:
            raise UsageError(str(error)) from error
    finally:
        if rejects is not None:
            rejects.close()
    if args.skip_invalid:
        total = sum(rejected.values())
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in
                            sorted(rejected.items(), key=lambda item: (-item[1], item[0])))
        listed = f"; listed in {args.rejects}" if args.rejects is not None and total else ""
        print(f"read {sent + total:,} lines: sent {sent:,} events to {topic}, rejected "
              f"{total:,}{f' ({reasons})' if reasons else ''}{listed}", file=sys.stderr)
    else:
        print(f"sent {sent:,} events to {topic}", file=sys.stderr)
    return 0


def _live_stamp() -> Callable[[bytes], bytes]:
    """Stamps a line's valid `occurred_at` with the wall clock now (never going back),
    as the demo does; a malformed line stays as malformed as it was."""
    from streams.cli.demo.traffic import Restamper, WallClock

    clock, restamp = WallClock(), Restamper()
    return lambda line: restamp(line, clock.now_us())
