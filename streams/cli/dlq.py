"""`carepulse dlq`: the dead letters of the DLQ topic, one line each: where the rejected
record lies on the input topic (its headers), why, and a safe preview of its shape.

Dead letters are at least once: each source record is printed once (the first copy).
`--rejects FILE` keeps the records themselves, as `replay --rejects` writes them.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from schemas.rejections import Rejection, parse_event
from streams.audit.topic_replay import dead_letter_reject_line
from streams.cli.common import Commands, add_command, repeated_dead_letters_note
from streams.cli.preview import safe_preview
from streams.cli.reading import add_reader_options, read_topic, safe_text
from streams.config import load_config
from streams.kafka.dlq import DeadLetterHeaders, DeadLetterRepeats, read_dead_letter

if TYPE_CHECKING:
    from streams.kafka.reader import Record


def add_parser(commands: Commands) -> None:
    dlq = add_command(commands, "dlq", "print the dead letters of the DLQ topic: source "
                                       "position, reason and a safe preview")
    add_reader_options(dlq, "dlq_topic", "CAREPULSE_DLQ_TOPIC", "care.events.dlq")
    dlq.add_argument("--rejects", type=Path, metavar="FILE",
                     help="also write each dead letter to FILE, one JSON object per line as "
                          "replay --rejects writes them: source topic, partition and offset, "
                          "reason, field, detail, raw (default: not written)")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    rejects: IO[str] | None = None
    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        printer = _DeadLetterPrinter(rejects, config.limits.max_record_bytes)
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


@dataclass
class _DeadLetterPrinter:
    rejects: IO[str] | None
    max_record_bytes: int
    repeats: DeadLetterRepeats = field(default_factory=DeadLetterRepeats)
    foreign: int = 0

    def take(self, record: Record) -> None:
        letter = read_dead_letter(record.headers)
        if letter is None:
            self.foreign += 1
            print(foreign_line(record.topic, record.partition, record.offset, record.value),
                  flush=True)
            return
        if self.repeats.is_repeat(letter):
            return
        print(dead_letter_line(letter, record.value), flush=True)
        if self.rejects is not None:
            self.rejects.write(dead_letter_reject_line(
                letter, self._rejection(letter, record.value), record.value) + "\n")

    def _rejection(self, letter: DeadLetterHeaders, value: bytes | None) -> Rejection:
        """The worker's verdict (the headers), with the detail of validating the value
        again when that gives the same reason and field."""
        again = parse_event(value or b"", self.max_record_bytes)
        if isinstance(again, Rejection) and (again.reason, again.field) == (letter.reason,
                                                                           letter.field):
            return letter.rejection(again)
        return letter.rejection(Rejection(letter.reason, letter.field, ""))


def dead_letter_line(letter: DeadLetterHeaders, value: bytes | None) -> str:
    """`care.events partition 2 offset 17  invalid_field occurred_at  message.received
    {channel, ...}, 212 bytes` (one line)."""
    reason = letter.reason + (f" {safe_text(letter.field)}" if letter.field else "")
    return (f"{safe_text(letter.topic)} partition {letter.partition} offset "
            f"{letter.offset}  {reason}  {safe_preview(value, letter)}")


def foreign_line(topic: str, partition: int, offset: int, value: bytes | None) -> str:
    """A record of the DLQ topic that CarePulse did not write: its own position."""
    return (f"{safe_text(topic)} partition {partition} offset {offset}  (no dead-letter "
            f"headers)  {safe_preview(value)}")
