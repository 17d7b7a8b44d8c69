"""What the HTML report is drawn from: the report itself (the same dict, digest and all,
as `--format json` writes), the previous period's report body, and what the JSON does not
show: inbound messages by quarter hour and the first-response samples of the range."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from streams.audit.report import AuditRun
from streams.audit.sink import QUARTER_HOUR_US
from streams.kpi.timeutil import US_PER_SECOND

FIRST_RESPONSE_BUCKETS_S = (
    ("< 1 min", 60), ("1-5 min", 300), ("5-15 min", 900), ("15-30 min", 1800),
    ("30 min-1 h", 3600), ("1-4 h", 4 * 3600), ("4-8 h", 8 * 3600), ("8-24 h", 86400),
)
OVER_A_DAY = "> 1 d"


@dataclass(frozen=True, slots=True)
class PageData:
    report: dict[str, Any]
    previous: dict[str, Any] | None  # the previous period's report body, if any
    comparison_note: str  # what the changes compare with, or why there are none
    inbound_by_quarter_hour: dict[int, int]  # UTC quarter hour index -> messages
    first_response_us: list[int]
    tz: ZoneInfo
    ledger: tuple[str, str] | None = None  # (file name, sha256 hex) when written

    def local(self, instant_us: int) -> datetime:
        return datetime.fromtimestamp(instant_us / US_PER_SECOND, UTC).astimezone(self.tz)


def page_data(
    run: AuditRun, tz: ZoneInfo, comparison: tuple[str, bool],
    ledger: tuple[str, str] | None = None,
) -> PageData:
    """After the last event of `run` (created with `charts=True`); `comparison` is the
    note on the previous period and whether to show it (period.comparison_note)."""
    report = run.report()
    samples = [us for tally in run.sink.channels.values() for us in tally.first_response_us]
    note, shown = comparison
    return PageData(
        report, run.previous_report() if shown else None, note,
        dict(run.sink.inbound_by_quarter_hour or {}), samples, tz, ledger,
    )


def inbound_by_hour(data: PageData) -> list[tuple[str, int]]:
    """Messages by local hour of day, 00 to 23."""
    hours: Counter[int] = Counter()
    for quarter, messages in data.inbound_by_quarter_hour.items():
        hours[data.local(quarter * QUARTER_HOUR_US).hour] += messages
    return [(f"{hour:02d}", hours[hour]) for hour in range(24)]


def inbound_by_day(data: PageData, from_us: int, to_us: int) -> list[tuple[str, int]]:
    """Messages by local date, every day of the range (empty ones too)."""
    days: Counter[date] = Counter()
    for quarter, messages in data.inbound_by_quarter_hour.items():
        days[data.local(quarter * QUARTER_HOUR_US).date()] += messages
    first = data.local(from_us).date()
    last = data.local(max(from_us, to_us - 1)).date()
    points = []
    day = first
    while day <= last:
        points.append((day.strftime("%a %d %b"), days[day]))
        day += timedelta(days=1)
    return points


def first_response_distribution(samples_us: list[int]) -> list[tuple[str, int]]:
    """First responses by how long they took (upper bounds exclusive)."""
    counts = [0] * (len(FIRST_RESPONSE_BUCKETS_S) + 1)
    bounds_us = [seconds * US_PER_SECOND for _, seconds in FIRST_RESPONSE_BUCKETS_S]
    for sample in samples_us:
        counts[bisect_right(bounds_us, sample)] += 1
    labels = [label for label, _ in FIRST_RESPONSE_BUCKETS_S] + [OVER_A_DAY]
    return list(zip(labels, counts, strict=True))
