"""`carepulse dlq`: the dead letters of the DLQ topic, one line each: where the rejected
record lies on the input topic (its headers), why, and a safe preview of its shape.

Dead letters are at least once: each source record is printed once (the first copy).
`--rejects FILE` keeps the records themselves, as `replay --rejects` writes them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO

from streams.cli.common import Commands, add_command, repeated_dead_letters_note
from streams.cli.reading import add_reader_options, read_topic
from streams.config import load_config


def add_parser(commands: Commands) -> None:
    dlq = add_command(commands, "dlq", "print the dead letters of the DLQ topic: source "
                                       "position, reason and a safe preview")
    add_reader_options(dlq, "dlq_topic", "CAREPULSE_DLQ_TOPIC", "care.events.dlq")
    dlq.add_argument("--rejects", type=Path, metavar="FILE",
                     help="also write each dead letter to FILE, one JSON object per line as "
                          "replay --rejects writes them: source topic, partition and offset, "
                          "reason, field, detail, raw (default: not written)")


def run(args: argparse.Namespace) -> int:
    from streams.cli.dlq_output import DeadLetterPrinter

    config = load_config(args.config)
    rejects: IO[str] | None = None
    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        printer = DeadLetterPrinter(rejects, config.limits.max_record_bytes)
        read_topic(args, config, lambda kafka: kafka.dlq_topic, printer.take)
    finally:
        if rejects is not None:
            rejects.close()
    if printer.repeats.repeated:
        print(f"carepulse dlq: {repeated_dead_letters_note(printer.repeats.repeated)}",
              file=sys.stderr)
    if printer.foreign:
        one = printer.foreign == 1
        print(f"carepulse dlq: {printer.foreign:,} record{'' if one else 's'} without "
              f"CarePulse's dead-letter headers, shown with {'its' if one else 'their'} DLQ "
              "position and not written to --rejects", file=sys.stderr)
    return 0
