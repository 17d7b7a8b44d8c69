"""A one-line progress bar on stderr, for terminals only."""

from __future__ import annotations

import sys
import time
from typing import IO

BAR_CHARS = 30


class Progress:
    def __init__(self, source: IO[bytes], total_bytes: int, stream: IO[str] = sys.stderr) -> None:
        self._source = source
        self._total_bytes = max(total_bytes, 1)
        self._stream = stream
        self._started = time.monotonic()

    def update(self, lines: int) -> None:
        done = min(self._source.tell() / self._total_bytes, 1.0)
        filled = int(done * BAR_CHARS)
        elapsed_seconds = max(time.monotonic() - self._started, 1e-9)
        self._stream.write(
            f"\r[{'#' * filled}{'.' * (BAR_CHARS - filled)}] {done:6.1%} "
            f"{lines:,} lines {lines / elapsed_seconds:,.0f}/s"
        )
        self._stream.flush()

    def finish(self) -> None:
        self._stream.write("\n")
        self._stream.flush()
