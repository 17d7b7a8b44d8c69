"""What the demo shows: a summary of one scrape of the worker's /metrics, drawn in
place on a terminal (or one line every 5 s into a pipe)."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from streams.metrics.scrape import Sample
from streams.metrics.scrape import scrape as scrape_samples

TTY_REFRESH_SECONDS = 1.0
PIPE_REFRESH_SECONDS = 5.0
SCRAPE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Summary:
    """What the demo shows from one scrape of the worker's /metrics."""

    messages_received: float
    replies_sent: float
    open_conversations: float
    waiting_conversations: float
    oldest_waiting_seconds: float
    first_response_p50_bucket_seconds: tuple[float, float] | None
    first_response_mean_seconds: float | None
    first_response_samples: float
    rejected: float
    duplicates: float


def scrape(url: str) -> list[Sample] | None:
    """Every sample of `url`, or None while nothing answers there."""
    try:
        return scrape_samples(url, SCRAPE_TIMEOUT_SECONDS)
    except (OSError, ValueError):
        return None


def _sum(samples: Iterable[Sample], name: str) -> float:
    return sum(sample.value for sample in samples if sample.name == name)


def median_bucket_seconds(
    samples: Iterable[Sample], histogram: str
) -> tuple[float, float] | None:
    """The bucket `(lower, upper]` that holds the median of a histogram summed over its
    series; None without samples. Interpolating inside the bucket, as PromQL's
    histogram_quantile does, would invent precision: the first bucket spans 0-60 s and
    holds most of the demo's (time-compressed) first responses."""
    cumulative: dict[float, float] = {}
    for sample in samples:
        if sample.name == f"{histogram}_bucket":
            bound = float(sample.labels["le"])
            cumulative[bound] = cumulative.get(bound, 0.0) + sample.value
    total = cumulative.get(float("inf"), 0.0)
    if total <= 0:
        return None
    lower = 0.0
    for upper, count in sorted(cumulative.items()):
        if count >= total / 2:
            return lower, upper
        lower = upper
    return lower, float("inf")


def summarize(samples: list[Sample]) -> Summary:
    first_count = _sum(samples, "carepulse_first_response_seconds_count")
    first_sum_seconds = _sum(samples, "carepulse_first_response_seconds_sum")
    oldest = [s.value for s in samples if s.name == "carepulse_oldest_waiting_seconds"]
    return Summary(
        messages_received=_sum(samples, "carepulse_messages_received_total"),
        replies_sent=_sum(samples, "carepulse_replies_sent_total"),
        open_conversations=_sum(samples, "carepulse_open_conversations"),
        waiting_conversations=_sum(samples, "carepulse_waiting_conversations"),
        oldest_waiting_seconds=max(oldest, default=0.0),
        first_response_p50_bucket_seconds=median_bucket_seconds(
            samples, "carepulse_first_response_seconds"),
        first_response_mean_seconds=first_sum_seconds / first_count if first_count else None,
        first_response_samples=first_count,
        rejected=_sum(samples, "carepulse_events_rejected_total"),
        duplicates=_sum(samples, "carepulse_events_duplicate_total"),
    )


def format_duration(seconds: float | None) -> str:
    """`-`, `42s`, `3m05s`, `5m`, `2h07m`, `24h`: short enough for one terminal line."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        minutes, rest_seconds = divmod(whole, 60)
        return f"{minutes}m{rest_seconds:02d}s" if rest_seconds else f"{minutes}m"
    hours, rest_minutes = divmod(whole // 60, 60)
    return f"{hours}h{rest_minutes:02d}m" if rest_minutes else f"{hours}h"


def format_bucket(bucket: tuple[float, float] | None) -> str:
    """`-`, `<=1m`, `1m-5m`, `>24h`: where the median lies, no finer than the buckets."""
    if bucket is None:
        return "-"
    lower, upper = bucket
    if upper == float("inf"):
        return f">{format_duration(lower)}"
    if lower == 0:
        return f"<={format_duration(upper)}"
    return f"{format_duration(lower)}-{format_duration(upper)}"


def summary_lines(sent: int, failed: int, summary: Summary | None) -> list[str]:
    sent_text = f"sent {sent:,}" + (f" ({failed:,} failed)" if failed else "")
    if summary is None:
        return [sent_text, "waiting for the worker's /metrics ..."]
    s = summary
    return [
        f"{sent_text}  received {s.messages_received:,.0f}  replies {s.replies_sent:,.0f}  "
        f"rejected {s.rejected:,.0f}  duplicates {s.duplicates:,.0f}",
        f"conversations open {s.open_conversations:,.0f}  waiting "
        f"{s.waiting_conversations:,.0f}  oldest waiting "
        f"{format_duration(s.oldest_waiting_seconds)}",
        f"first response p50 {format_bucket(s.first_response_p50_bucket_seconds)}  mean "
        f"{format_duration(s.first_response_mean_seconds)}  "
        f"({s.first_response_samples:,.0f} samples)",
    ]


class Screen:
    """On a terminal, the summary is redrawn in place every second (ANSI: cursor up,
    clear line); into a pipe or file, one summary line is written every 5 s."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.is_terminal = out.isatty()
        self.refresh_seconds = TTY_REFRESH_SECONDS if self.is_terminal else PIPE_REFRESH_SECONDS
        self._drawn_lines = 0
        self._last: list[str] = []

    def draw(self, lines: list[str]) -> None:
        self._last = lines
        if not self.is_terminal:
            self._write(time.strftime("%H:%M:%S ") + " | ".join(lines) + "\n")
            return
        width = max(shutil.get_terminal_size().columns - 1, 20)
        text = self._cursor_back() + "".join(f"\x1b[2K{line[:width]}\n" for line in lines)
        self._write(text)
        self._drawn_lines = len(lines)

    def note(self, text: str) -> None:
        """A lasting line, written above the live summary."""
        if not self.is_terminal:
            self._write(text + "\n")
            return
        self._write(self._cursor_back() + "\x1b[J" + text + "\n")
        self._drawn_lines = 0
        if self._last:
            self.draw(self._last)

    def freeze(self) -> None:
        """Leaves the summary drawn last on screen; later notes go below it."""
        self._drawn_lines = 0
        self._last = []

    def _cursor_back(self) -> str:
        return f"\x1b[{self._drawn_lines}A\r" if self._drawn_lines else ""

    def _write(self, text: str) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._out.write(text)
            self._out.flush()
