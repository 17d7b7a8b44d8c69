"""What the demo shows: a summary of one scrape of the worker's /metrics, drawn in
place on a terminal (or one line every 5 s into a pipe)."""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from streams.metrics.scrape import Sample
from streams.metrics.scrape import scrape as scrape_samples
from streams.state.windows import WINDOW_SECONDS

TTY_REFRESH_SECONDS = 1.0
PIPE_REFRESH_SECONDS = 5.0
SCRAPE_TIMEOUT_SECONDS = 2.0


SUMMARY_WINDOW = max(WINDOW_SECONDS, key=WINDOW_SECONDS.__getitem__)
"""The rolling window the response rate and CSAT are read from: the longest (`30d`),
which holds the whole of a demo run for less than 30 days."""
FIRST_RESPONSE = "carepulse_first_response_seconds"
BY_STATUS = "carepulse_conversations_by_status"


@dataclass(frozen=True, slots=True)
class Estimate:
    """A quantile estimated from a histogram's buckets, and the bucket `(lower, upper]`
    it lies in: the true value may be anywhere in that bucket."""

    seconds: float
    bucket: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Summary:
    """What the demo shows from one scrape of the worker's /metrics."""

    customer_messages: float
    replies_sent: float
    open_conversations: float
    waiting_conversations: float
    pending_conversations: float
    on_hold_conversations: float
    oldest_waiting_seconds: float
    first_response_p50: Estimate | None
    first_response_mean_seconds: float | None
    first_response_samples: float
    sla_met: float
    sla_breached: float
    sla_at_risk: float
    window_messages: float
    window_answered: float
    csat_responses: float
    csat_satisfied: float
    rejected: float
    duplicates: float

    @property
    def sla_compliance(self) -> float | None:
        """met / (met + breached), None before the first outcome."""
        outcomes = self.sla_met + self.sla_breached
        return self.sla_met / outcomes if outcomes else None

    @property
    def response_rate(self) -> float | None:
        """Answered / received customer messages in SUMMARY_WINDOW."""
        return self.window_answered / self.window_messages if self.window_messages else None

    @property
    def csat_score(self) -> float | None:
        """Share of the CSAT answers in SUMMARY_WINDOW that are satisfied."""
        return self.csat_satisfied / self.csat_responses if self.csat_responses else None


def scrape(url: str) -> list[Sample] | None:
    """Every sample of `url`, or None while nothing answers there."""
    try:
        return scrape_samples(url, SCRAPE_TIMEOUT_SECONDS)
    except (OSError, ValueError):
        return None


def _sum(samples: Iterable[Sample], name: str, window: str | None = None,
         status: str | None = None) -> float:
    return sum(sample.value for sample in samples if sample.name == name
               and (window is None or sample.labels.get("window") == window)
               and (status is None or sample.labels.get("status") == status))


def histogram_quantile(
    quantile: float, samples: Iterable[Sample], histogram: str
) -> Estimate | None:
    """The `quantile` of a histogram summed over its series, estimated as PromQL's
    histogram_quantile does (and so the wall's panels): the bucket where the rank
    `quantile x count` falls, then linear interpolation inside it, from 0 for the
    first bucket; in the `+Inf` bucket, the highest finite bound. None without samples.
    An estimate: it assumes the values spread evenly inside their bucket."""
    cumulative: dict[float, float] = {}
    for sample in samples:
        if sample.name == f"{histogram}_bucket":
            bound = float(sample.labels["le"])
            cumulative[bound] = cumulative.get(bound, 0.0) + sample.value
    total = cumulative.get(math.inf, 0.0)
    if total <= 0:
        return None
    rank = quantile * total
    lower = below = 0.0
    for upper, count in sorted(cumulative.items()):
        if upper == math.inf:
            return Estimate(lower, (lower, upper))
        if count >= rank:
            return Estimate(lower + (upper - lower) * (rank - below) / (count - below),
                            (lower, upper))
        lower, below = upper, count
    return None  # not reached: the +Inf bucket holds every sample


def summarize(samples: list[Sample]) -> Summary:
    first_count = _sum(samples, f"{FIRST_RESPONSE}_count")
    first_sum_seconds = _sum(samples, f"{FIRST_RESPONSE}_sum")
    oldest = [s.value for s in samples if s.name == "carepulse_oldest_waiting_seconds"]
    return Summary(
        customer_messages=_sum(samples, "carepulse_messages_received_total"),
        replies_sent=_sum(samples, "carepulse_replies_sent_total"),
        open_conversations=_sum(samples, "carepulse_open_conversations"),
        waiting_conversations=_sum(samples, "carepulse_waiting_conversations"),
        pending_conversations=_sum(samples, BY_STATUS, status="pending"),
        on_hold_conversations=_sum(samples, BY_STATUS, status="on_hold"),
        oldest_waiting_seconds=max(oldest, default=0.0),
        first_response_p50=histogram_quantile(0.5, samples, FIRST_RESPONSE),
        first_response_mean_seconds=first_sum_seconds / first_count if first_count else None,
        first_response_samples=first_count,
        sla_met=_sum(samples, "carepulse_sla_met_total"),
        sla_breached=_sum(samples, "carepulse_sla_breaches_total"),
        sla_at_risk=_sum(samples, "carepulse_sla_at_risk_conversations"),
        window_messages=_sum(samples, "carepulse_window_messages_received", SUMMARY_WINDOW),
        window_answered=_sum(samples, "carepulse_window_answered_messages", SUMMARY_WINDOW),
        csat_responses=_sum(samples, "carepulse_window_csat_responses", SUMMARY_WINDOW),
        csat_satisfied=_sum(samples, "carepulse_window_csat_satisfied", SUMMARY_WINDOW),
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


def format_estimate(estimate: Estimate | None) -> str:
    """`-`, `~30s (bucket 0-1m)`, `~3m (bucket 1m-5m)`, `>24h`: the estimate, marked as
    one, with the bucket it lies in; in the `+Inf` bucket only its lower bound."""
    if estimate is None:
        return "-"
    lower, upper = estimate.bucket
    if upper == math.inf:
        return f">{format_duration(lower)}"
    return (f"~{format_duration(estimate.seconds)} "
            f"(bucket {format_duration(lower) if lower else 0}-{format_duration(upper)})")


def format_share(share: float | None) -> str:
    """`-` or a whole percentage: `84%`."""
    return "-" if share is None else f"{share:.0%}"


def summary_lines(sent: int, failed: int, summary: Summary | None) -> list[str]:
    sent_text = f"sent {sent:,}" + (f" ({failed:,} failed)" if failed else "")
    if summary is None:
        return [sent_text, "waiting for the worker's /metrics ..."]
    s = summary
    return [
        f"{sent_text}  customer messages {s.customer_messages:,.0f}  replies "
        f"{s.replies_sent:,.0f}  rejected {s.rejected:,.0f}  duplicates {s.duplicates:,.0f}",
        f"conversations open {s.open_conversations:,.0f}  waiting "
        f"{s.waiting_conversations:,.0f}  pending {s.pending_conversations:,.0f}  on hold "
        f"{s.on_hold_conversations:,.0f}  oldest waiting "
        f"{format_duration(s.oldest_waiting_seconds)}",
        f"first response p50 {format_estimate(s.first_response_p50)}  mean "
        f"{format_duration(s.first_response_mean_seconds)}  "
        f"({s.first_response_samples:,.0f} samples)",
        f"SLA met {s.sla_met:,.0f}  breached {s.sla_breached:,.0f}  "
        f"({format_share(s.sla_compliance)} met)  at risk now {s.sla_at_risk:,.0f}",
        f"last {SUMMARY_WINDOW}: response rate {format_share(s.response_rate)}  "
        f"CSAT {format_share(s.csat_score)} satisfied ({s.csat_responses:,.0f} answers)",
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
