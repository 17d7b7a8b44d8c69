"""The client-log throttle: one line per message template and interval, with a count."""

from __future__ import annotations

import io
import logging

from mode.utils.logging import ExtensionFormatter

from streams.live.log_throttle import Throttle


def record(msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.conn", level, __file__, 1, msg, args, None)


def test_repeats_are_held_back_and_counted_in_the_next_line() -> None:
    now = [100.0]
    throttle = Throttle(interval_seconds=10.0, clock=lambda: now[0])
    passed = []
    for step in range(25):  # one failed connect every 0.5 s for 12.5 s
        now[0] = 100.0 + step * 0.5
        line = record("Unable connect to node with id %s: %s", 111, "refused")
        if throttle.filter(line):
            passed.append(line.getMessage())
    assert passed == [
        "Unable connect to node with id 111: refused",
        "Unable connect to node with id 111: refused (19 similar in the last 10 s)",
    ]
    assert throttle.filter(record("Unable to update metadata from [%s]", 111))  # another kind
    assert throttle.filter(record("Connected", level=logging.INFO))
    assert throttle.filter(record("Connected", level=logging.INFO))  # info is never held


def test_a_re_emitted_record_with_arguments_formats_through_fausts_formatter() -> None:
    """The line after the interval once raised `--- Logging error --- TypeError: not all
    arguments converted` in Faust's log handler (its formatter turned args None into
    (None,) and formatted the message again)."""
    now = [0.0]
    throttle = Throttle(interval_seconds=10.0, clock=lambda: now[0])
    formatter = ExtensionFormatter(stream=io.StringIO(), fmt="%(message)s")
    lines = []
    for at in (0.0, 1.0, 2.0, 12.0):
        now[0] = at
        line = record("%s failed with %d%% loss", "heartbeat", 5, level=logging.WARNING)
        if throttle.filter(line):
            lines.append(formatter.format(line))
    assert lines == [
        "heartbeat failed with 5% loss",
        "heartbeat failed with 5% loss (2 similar in the last 12 s)",
    ]
