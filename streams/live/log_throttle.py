"""At most one log line per kind of client error every few seconds.

Why: while the broker is away, aiokafka logs every failed connect, fetch, metadata and
coordinator request, about 70 lines a second here; an outage of minutes would bury
everything else in the log. The throttle passes the first record of each message
template (per logger), then one per `interval_seconds` with the count of the similar
records it held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

INTERVAL_SECONDS = 10.0


class Throttle(logging.Filter):
    def __init__(
        self, interval_seconds: float = INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._interval_seconds = interval_seconds
        self._clock = clock
        self._last: dict[tuple[str, object], tuple[float, int]] = {}  # at, held back

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.msg)
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last[0] < self._interval_seconds:
            self._last[key] = (last[0], last[1] + 1)
            return False
        self._last[key] = (now, 0)
        if last is not None and last[1]:
            # Appended to the template, the arguments left as they are: formatters may
            # format `msg % args` themselves, and Faust's (mode's ExtensionFormatter)
            # turns args None into (None,), which raised "not all arguments converted".
            held_back = f" ({last[1]} similar in the last {now - last[0]:.0f} s)"
            record.msg = f"{record.msg}{held_back}"
        return True


def throttle_client_logs(prefix: str = "aiokafka") -> Throttle:
    """Puts one throttle on every logger named `prefix` or `prefix.*` that exists
    (a logger's filters do not apply to records of its children)."""
    throttle = Throttle()
    names = [name for name in logging.Logger.manager.loggerDict
             if name == prefix or name.startswith(prefix + ".")]
    for name in names:
        logging.getLogger(name).addFilter(throttle)
    return throttle
