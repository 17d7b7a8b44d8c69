"""`carepulse produce`: a JSONL file of events to Kafka, keyed by conversation_id."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from streams.cli.arguments import bootstrap_servers, positive_rate
from streams.cli.common import Commands, UsageError, add_command, check_input_file
from streams.config import load_config
from streams.kafka.settings import client_security, kafka_settings

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
    produce.add_argument("--raw", action="store_true",
                         help="send every non-blank line unvalidated, to exercise the DLQ "
                              "(default: validate every line first and send nothing if one "
                              "is invalid)")
    produce.add_argument("--partitions", type=int, metavar="N",
                         help="partitions of the topic if it is created (default: "
                              "kafka.partitions of --config, else 4)")
    produce.add_argument("--config", type=Path, metavar="FILE",
                         help="TOML configuration file: its [kafka] section (broker, topic, "
                              "partitions, SASL and TLS settings) (default: none)")


def run(args: argparse.Namespace) -> int:
    from streams.kafka.produce import ProduceError, invalid_lines, produce_file

    check_input_file(args.input)
    settings = kafka_settings(load_config(args.config))
    partitions = settings.partitions if args.partitions is None else args.partitions
    if partitions < 1:
        raise UsageError("--partitions must be >= 1")
    topic = args.topic or settings.input_topic
    if not args.raw:
        count = 0
        for count, line in enumerate(invalid_lines(args.input), 1):
            if count <= MAX_INVALID_LINES_SHOWN:
                print(line.describe(str(args.input)), file=sys.stderr)
        if count > MAX_INVALID_LINES_SHOWN:
            print(f"... and {count - MAX_INVALID_LINES_SHOWN} more", file=sys.stderr)
        if count:
            raise UsageError(f"{args.input}: {count} invalid line{'s' * (count > 1)}, "
                             "nothing sent (--raw sends lines unvalidated)")
    try:
        sent = produce_file(args.input, args.broker or settings.bootstrap_servers, topic,
                            args.rate, partitions, client_security(settings))
    except ProduceError as error:
        raise UsageError(str(error)) from error
    print(f"sent {sent} events to {topic}", file=sys.stderr)
    return 0
