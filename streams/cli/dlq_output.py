"""What `carepulse dlq` prints: each dead letter once, as one line (its source position,
its reason and a safe preview), and, with `--rejects`, the record as `replay --rejects`
writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from schemas.rejections import Rejection, parse_event
from streams.audit.topic_replay import dead_letter_reject_line
from streams.cli.preview import safe_preview
from streams.cli.reading import safe_text
from streams.kafka.dlq import DeadLetterHeaders, DeadLetterRepeats, read_dead_letter

if TYPE_CHECKING:
    from streams.kafka.reader import Record


@dataclass
class DeadLetterPrinter:
    """Prints each dead letter once (the first copy) and, given `rejects`, writes it
    there; counts the records without CarePulse's dead-letter headers."""

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
