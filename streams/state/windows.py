"""Rolling KPI windows for the live gauges (docs/kpis.md section 8), as a KpiSink.

Why buckets: a window "ending now" must forget facts as time passes, and keeping every
fact would grow with traffic. Counts are kept per event-time bucket and series, a
(brand, channel) pair of label values (minute buckets for `1h` and `24h`, hour buckets
for `30d`), so memory is bounded (at most 1441 minute and 721 hour buckets per partition,
times the series of the allowlisted brands and channels) and a
window is a sum of buckets. A window's far edge is rounded down to its bucket: `1h` sums
the minute buckets from the one holding now - 1h to the one holding now, so it spans
between 60 and 61 minutes of event time (`24h`: 1440-1441 minutes, `30d`: 720-721 hours).

Why additive: buckets hold ints only (counts and integer microsecond sums), never ratios.
Buckets of partitions add up, checkpoints restore exactly, and the gauges export the
components, so a dashboard summing over workers divides sums (the exact KPI) instead of
averaging ratios. Money is not stored: the alternative cost is resolutions per channel
times the configured cost, computed at exposition like the audit report does.

"Now" is the newest instant a counted fact is attributed to (event time; no clock is
read), so a backlog drain shows the windows of its own time. A fact older than the 30d
retention relative to now is dropped and counted in `late_dropped`; it belongs to no
window. One older than the minute retention but within 30d goes to the hour bucket only.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

from streams.kpi.formulas import (
    alternative_cost,
    csat_score,
    mean_seconds,
    net_sentiment,
    nps_score,
    response_rate,
    savings_and_roi,
    social_cost,
)
from streams.kpi.settings import Savings, Thresholds
from streams.kpi.sink import KpiSink
from streams.kpi.sla import SlaTarget
from streams.kpi.timeutil import US_PER_SECOND
from streams.state.checkpoint.codec import (
    decode_window_bucket,
    encode_window_bucket,
    window_bucket_rows,
)
from streams.state.checkpoint.keys import Record, window_name

MINUTE_US: Final = 60 * US_PER_SECOND
HOUR_US: Final = 60 * MINUTE_US
NO_INSTANT_US: Final = -(1 << 62)  # now_us before any fact
WINDOW_SECONDS: Final = {"1h": 3_600, "24h": 86_400, "30d": 2_592_000}


@dataclass(frozen=True, slots=True)
class Counts:
    """One series' additive counts over a bucket or a window."""

    messages: int = 0
    answered: int = 0  # at the message's instant, once any reply followed it
    replies: int = 0
    opened: int = 0  # cycles, reopens included
    resolved: int = 0
    first_response_count: int = 0
    first_response_sum_us: int = 0
    csat_responses: int = 0
    csat_score_sum: int = 0
    csat_satisfied: int = 0
    nps_responses: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    sentiment_positive: int = 0
    sentiment_negative: int = 0
    sentiment_rated: int = 0  # inbound messages carrying a sentiment


FIELDS: Final = tuple(f.name for f in fields(Counts))
(MESSAGES, ANSWERED, REPLIES, OPENED, RESOLVED, FR_COUNT, FR_SUM_US, CSAT_N, CSAT_SUM,
 CSAT_OK, NPS_N, NPS_PRO, NPS_DET, SENT_POS, SENT_NEG, SENT_N) = range(len(FIELDS))
Row = list[int]  # a Counts as a mutable list, in FIELDS order (the per-fact path)
Series = tuple[str, str]  # (brand, channel) label values


class Buckets:
    """Buckets of one width, keyed by index = instant_us // width_us; the newest `keep`
    indexes up to now's are kept. `total` is the sum of every kept bucket: the window as
    long as the retention (24h of minutes, 30d of hours) without a sum per scrape."""

    def __init__(self, tag: bytes, width_us: int, keep: int) -> None:
        self.tag, self.width_us, self.keep = tag, width_us, keep
        self.by_index: dict[int, dict[Series, Row]] = {}
        self.total: dict[Series, Row] = {}
        self.changed: set[int] = set()  # since the last checkpoint
        self.evicted: set[int] = set()  # likewise
        self.slots: dict[int, int] = {}  # the table slot of each bucket's committed state
        self._floor: int | None = None  # every index below it is evicted already

    def oldest_kept(self, now_us: int) -> int:
        return now_us // self.width_us - self.keep + 1

    def rows(self, index: int, series: Series) -> tuple[Row, Row]:
        """The bucket's row and the total's row of `series`, created if needed."""
        self.changed.add(index)
        bucket = self.by_index.get(index)
        if bucket is None:
            bucket = self.by_index[index] = {}
        row = bucket.get(series)
        if row is None:
            row = bucket[series] = [0] * len(FIELDS)
        total = self.total.get(series)
        if total is None:
            total = self.total[series] = [0] * len(FIELDS)
        return row, total

    def put(self, index: int, bucket: dict[Series, Row], slot: int) -> None:
        """A restored bucket (into fresh buckets) and the slot of its committed state."""
        self.by_index[index] = bucket
        self.slots[index] = slot
        self._account(bucket, operator.add)

    def _account(self, bucket: dict[Series, Row], op: Callable[[int, int], int]) -> None:
        for series, row in bucket.items():
            total = self.total.setdefault(series, [0] * len(FIELDS))
            total[:] = map(op, total, row)

    def _below(self, first: int) -> list[int]:
        """Kept indexes < first, in O(min(first - floor, buckets))."""
        floor, by_index = self._floor, self.by_index
        if floor is None or first - floor > len(by_index):
            return [index for index in by_index if index < first]
        return [index for index in range(floor, first) if index in by_index]

    def evict_before(self, floor: int) -> None:
        if self._floor is not None and floor <= self._floor:
            return
        gone = self._below(floor)
        self._floor = floor
        for index in gone:
            self._account(self.by_index.pop(index), operator.sub)
            self.changed.discard(index)
            self.slots.pop(index, None)
            self.evicted.add(index)

    def sum(self, first: int, last: int) -> dict[Series, Row]:
        """Per series, the sum of the buckets first..last, where `last` is at least the
        newest index: bucket by bucket for a short window, else the total less the
        buckets older than `first`."""
        by_index = self.by_index
        if 2 * (last - first + 1) <= len(by_index):
            sums: dict[Series, Row] = {}
            for index in range(first, last + 1):
                for series, row in by_index.get(index, {}).items():
                    acc = sums.get(series)
                    sums[series] = list(map(operator.add, acc, row)) if acc else row.copy()
        else:
            sums = {series: row.copy() for series, row in self.total.items()}
            for index in self._below(first):
                for series, row in by_index[index].items():
                    sums[series] = list(map(operator.sub, sums[series], row))
        return {series: row for series, row in sums.items() if any(row)}


class WindowTotals(KpiSink):
    """A KpiSink keeping additive counts per event-time bucket and (brand, channel). The
    facts of contract 1.1 (requester wait, time to assignment, reassignments, teams) are
    not windowed gauges: KpiSink's do-nothing methods take them."""

    def __init__(self, thresholds: Thresholds) -> None:
        self._positive_above = thresholds.sentiment_positive_above
        self._negative_below = thresholds.sentiment_negative_below
        self._csat_satisfied_min = thresholds.csat_satisfied_min
        self._nps_promoter_min = thresholds.nps_promoter_min
        self._nps_detractor_max = thresholds.nps_detractor_max
        self.now_us: int = NO_INSTANT_US
        self.late_dropped = 0  # facts older than every retention when they came
        self.minutes = Buckets(b"m", MINUTE_US, 24 * 60 + 1)
        self.hours = Buckets(b"h", HOUR_US, 30 * 24 + 1)
        self._to_delete: list[bytes] = []  # record names no committed state needs
        self._uncommitted: tuple[dict[str, int], list[tuple[Buckets, int, int]],
                                 list[bytes]] | None = None
        # the rows of facts in now's minute, per series (the per-fact fast path)
        self._hot: dict[Series, list[Row]] = {}
        self._hot_from_us = -NO_INSTANT_US
        self._hot_until_us = NO_INSTANT_US

    def _advance(self, now_us: int) -> None:
        self.now_us = now_us
        if now_us >= self._hot_until_us:  # a new minute: evict what fell out
            self._hot.clear()
            self._hot_from_us = now_us - now_us % MINUTE_US
            self._hot_until_us = self._hot_from_us + MINUTE_US
            for buckets in (self.minutes, self.hours):
                buckets.evict_before(buckets.oldest_kept(now_us))

    def _rows(self, series: Series, at_us: int) -> list[Row]:
        """The rows a fact at `at_us` counts in: its kept buckets' and their totals'."""
        if at_us > self.now_us:
            self._advance(at_us)
        if at_us >= self._hot_from_us:
            rows = self._hot.get(series)
            if rows is None:
                rows = self._hot[series] = self._lookup(series, at_us)
            return rows
        return self._lookup(series, at_us)

    def _lookup(self, series: Series, at_us: int) -> list[Row]:
        rows: list[Row] = []
        for buckets in (self.minutes, self.hours):
            index = at_us // buckets.width_us
            if index >= buckets.oldest_kept(self.now_us):
                rows.extend(buckets.rows(index, series))
        if not rows:
            self.late_dropped += 1
        return rows

    # KpiSink -------------------------------------------------------------------------

    def message(self, channel: str, brand: str, at_us: int, sentiment: float | None,
                topic: str | None) -> None:
        rows = self._rows((brand, channel), at_us)
        if sentiment is None:
            for row in rows:
                row[MESSAGES] += 1
            return
        positive = sentiment > self._positive_above
        negative = sentiment < self._negative_below
        for row in rows:
            row[MESSAGES] += 1
            row[SENT_N] += 1
            if positive:
                row[SENT_POS] += 1
            elif negative:
                row[SENT_NEG] += 1

    def reply(self, channel: str, brand: str, at_us: int, author_type: str, agent_id: str | None,
              quick_reply: str | None, conversation_id: str, team: str | None) -> None:
        for row in self._rows((brand, channel), at_us):
            row[REPLIES] += 1

    def answered(self, channel: str, brand: str, message_at_us: int, reply_at_us: int) -> None:
        """Counted at the message's instant: the reply is never after now."""
        for row in self._rows((brand, channel), message_at_us):
            row[ANSWERED] += 1

    def cycle_opened(self, channel: str, brand: str, at_us: int, reopen: bool) -> None:
        for row in self._rows((brand, channel), at_us):
            row[OPENED] += 1

    def cycle_resolved(
        self, channel: str, brand: str, started_at_us: int, resolved_at_us: int
    ) -> None:
        """Resolution rate is not a windowed gauge."""

    def first_response(self, channel: str, brand: str, at_us: int, duration_us: int,
                       business_us: int | None, agent_id: str | None,
                       team: str | None) -> None:
        for row in self._rows((brand, channel), at_us):
            row[FR_COUNT] += 1
            row[FR_SUM_US] += duration_us

    def reply_wait(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        """Reply waits are not a windowed gauge."""

    def resolution(self, channel: str, brand: str, at_us: int, duration_us: int, resolved_by: str,
                   agent_id: str | None, team: str | None, one_touch: bool) -> None:
        for row in self._rows((brand, channel), at_us):
            row[RESOLVED] += 1

    def survey(self, channel: str, brand: str, at_us: int, survey: str, score: int) -> None:
        for row in self._rows((brand, channel), at_us):
            if survey == "csat":
                row[CSAT_N] += 1
                row[CSAT_SUM] += score
                row[CSAT_OK] += score >= self._csat_satisfied_min
            else:
                row[NPS_N] += 1
                row[NPS_PRO] += score >= self._nps_promoter_min
                row[NPS_DET] += score <= self._nps_detractor_max

    def sale(self, channel: str, brand: str, at_us: int, amount: float, currency: str) -> None:
        """Sales are not a windowed gauge."""

    def sla_outcome(self, policy: str, target: SlaTarget, channel: str, brand: str, met: bool,
                    at_us: int, team: str | None) -> None:
        """SLA outcomes are not a windowed gauge."""

    # Windows, merging, checkpoints ---------------------------------------------------

    def window_rows(self, name: str, end_us: int | None = None) -> dict[Series, Row]:
        """Per series, the Row sums of window `name` ending at max(end_us, now_us)."""
        end = self.now_us if end_us is None else max(end_us, self.now_us)
        if end == NO_INSTANT_US:
            return {}
        buckets = self.hours if name == "30d" else self.minutes
        start = end - WINDOW_SECONDS[name] * US_PER_SECOND
        return buckets.sum(start // buckets.width_us, end // buckets.width_us)

    def window(self, name: str, end_us: int | None = None) -> dict[Series, Counts]:
        """Window `name` ("1h", "24h" or "30d") per (brand, channel); see the module
        docstring for the bucket rounding of its far edge."""
        return {key: Counts(*row) for key, row in sorted(self.window_rows(name, end_us).items())}

    def add(self, other: WindowTotals) -> None:
        """Adds another partition's windows (a worker owning several); now is the max.
        Buckets of `other` older than the merged retention are left out."""
        self.late_dropped += other.late_dropped
        if other.now_us > self.now_us:
            self._advance(other.now_us)
        for mine, theirs in ((self.minutes, other.minutes), (self.hours, other.hours)):
            oldest = mine.oldest_kept(self.now_us)
            for index, bucket in theirs.by_index.items():
                if index >= oldest:
                    for series, row in bucket.items():
                        for acc in mine.rows(index, series):
                            acc[:] = map(operator.add, acc, row)

    # Checkpoints follow streams/state/partition.py: checkpoint N writes records stamped
    # N, never over a committed state (two slots per bucket), and counts only once its
    # meta record, holding `commit()`, is written; a restore takes the newest record of
    # a committed sequence. Records no committed state needs are deleted a checkpoint
    # later, so that a crash at any instant leaves a consistent table.

    def checkpoint_records(self, prefix: bytes, sequence: int) -> list[Record]:
        """Checkpoint `sequence`: deletes first, then each bucket changed since the last
        checkpoint, to its free slot: key prefix + b"w/m/<minute index>/<slot>" (or
        b"w/h/<hour index>/<slot>"), value orjson
        [sequence, [[brand, channel, [FIELDS ints]], ...]]."""
        self._hot.clear()  # so that the next fact marks its buckets changed again
        records: list[Record] = [(prefix + name, None) for name in self._to_delete]
        self._to_delete = []
        flips: list[tuple[Buckets, int, int]] = []
        gone: list[bytes] = []
        for buckets in (self.minutes, self.hours):
            for index in sorted(buckets.changed):
                slot = 1 - buckets.slots.get(index, 1)
                flips.append((buckets, index, slot))
                rows = [[*series, row] for series, row in buckets.by_index[index].items()]
                value = encode_window_bucket(sequence, rows)
                records.append((prefix + window_name(buckets.tag, index, slot), value))
            gone += [window_name(buckets.tag, index, slot)
                     for index in sorted(buckets.evicted) for slot in (0, 1)]
            buckets.changed.clear()
            buckets.evicted.clear()
        meta = {"now_us": self.now_us, "late_dropped": self.late_dropped}
        self._uncommitted = meta, flips, gone
        return records

    def commit(self) -> dict[str, int]:
        """The last checkpoint's meta record is written: returns the part of it that
        belongs to the windows, as of `checkpoint_records`."""
        if self._uncommitted is None:
            return {"now_us": self.now_us, "late_dropped": self.late_dropped}
        meta, flips, gone = self._uncommitted
        self._uncommitted = None
        for buckets, index, slot in flips:
            if index in buckets.by_index:
                buckets.slots[index] = slot
        self._to_delete += gone
        return meta

    def restore(
        self, records: Iterable[tuple[bytes, bytes]], committed_sequence: int,
        meta: dict[str, int] | None, legacy_brand: str,
    ) -> int:
        """Restores this fresh instance from its records (names without the prefix, any
        order), the sequence of the last meta record and its `commit()` part; returns the
        highest sequence of any record, committed or not. Records written before brands
        were labels get `legacy_brand` (checkpoint/codec.py's version-1 migration)."""
        if meta is not None:
            self.now_us, self.late_dropped = meta["now_us"], meta["late_dropped"]
        newest: dict[tuple[bytes, int], tuple[int, int, Any]] = {}
        tags = {b"m": self.minutes, b"h": self.hours}
        highest_sequence = 0
        for name, value in records:
            parts = name.split(b"/")
            if len(parts) != 4 or parts[0] != b"w" or parts[1] not in tags:
                raise ValueError(f"not a window record: {name!r}")
            sequence, data = decode_window_bucket(value)
            highest_sequence = max(highest_sequence, sequence)
            index = int(parts[2])
            if meta is None or sequence > committed_sequence:
                self._to_delete.append(name)  # of a checkpoint that was not committed
            elif sequence > newest.get((parts[1], index), (-1,))[0]:
                newest[(parts[1], index)] = sequence, int(parts[3]), data
        width = len(FIELDS)
        for (tag, index), (_, slot, data) in newest.items():
            rows = window_bucket_rows(data, width, legacy_brand)
            tags[tag].put(index, {(brand, channel): values for brand, channel, values in rows},
                          slot)
        for buckets in tags.values():  # evicted when committed, deletes still due
            buckets.evict_before(buckets.oldest_kept(self.now_us))
        return highest_sequence



def gauge_values(
    partitions: Sequence[WindowTotals],
    savings: Savings,
    owned_partitions: int,
    topic_partitions: int,
    end_us: int | None = None,
) -> list[tuple[str, dict[str, str], float]]:
    """(gauge key, labels, value) of the windowed gauges over
    the partitions a worker owns, windows ending at max(end_us, newest now_us).

    Additive components are exported per (brand, channel) and window for every such
    series seen in any window (0 when absent), so dashboards can sum them over workers.
    Ratios are exact for this worker's partitions and left out when their denominator is 0.
    The social cost is this worker's SHARE of the prorated monthly social cost
    (owned / the input topic's partitions), so it sums to the whole over workers; with
    one worker owning every partition the currency series are docs/kpis.md section 6 over the
    window, with several, roi = sum(savings) / sum(social cost) over workers (a
    worker's own roi is of its share only).

    Called at every scrape, so it never raises on the counts: a worker may own more
    partitions than `topic_partitions` says (partitions added to the topic while it
    runs), and then its share is the whole (the counts are clamped to 0 <= owned <=
    topic, topic >= 1).
    """
    topic_partitions = max(topic_partitions, owned_partitions, 1)
    owned_partitions = max(owned_partitions, 0)
    end = max([p.now_us for p in partitions] + [NO_INSTANT_US if end_us is None else end_us])
    windows: dict[str, dict[Series, Row]] = {}
    for name in WINDOW_SECONDS:
        sums = windows[name] = {}
        for part in partitions:
            for series, row in part.window_rows(name, end).items():
                acc = sums.get(series)
                sums[series] = row if acc is None else list(map(operator.add, acc, row))
    all_series = sorted({series for sums in windows.values() for series in sums})
    zero = [0] * len(FIELDS)
    values: list[tuple[str, dict[str, str], float]] = []
    if end != NO_INSTANT_US:
        values.append((END_GAUGE, {}, end / US_PER_SECOND))
    for name, seconds in WINDOW_SECONDS.items():
        for series in all_series:
            row = windows[name].get(series, zero)
            labels = {"brand": series[0], "channel": series[1], "window": name}
            for metric, index in ADDITIVE_GAUGES:
                scale = US_PER_SECOND if index == FR_SUM_US else 1
                values.append((metric, dict(labels), row[index] / scale))
            ratios = (
                response_rate(row[ANSWERED], row[MESSAGES]),
                mean_seconds(row[FR_SUM_US], row[FR_COUNT]),
                csat_score(row[CSAT_OK], row[CSAT_N]),
                nps_score(row[NPS_PRO], row[NPS_DET], row[NPS_N]),
                net_sentiment(row[SENT_POS], row[SENT_NEG], row[SENT_N]),
            )
            for metric, ratio in zip(RATIO_GAUGES, ratios, strict=True):
                if ratio is not None:
                    values.append((metric, dict(labels), ratio))
        resolved = sorted(windows[name].items())
        alternative = alternative_cost(
            savings, [(channel, row[RESOLVED]) for (_, channel), row in resolved]
        )
        social = social_cost(savings.monthly_total, seconds, owned_partitions, topic_partitions)
        net, roi = savings_and_roi(alternative, social)
        labels = {"currency": savings.currency, "window": name}
        currency_values = (alternative, social, net, roi)
        values += [(metric, dict(labels), value)
                   for metric, value in zip(CURRENCY_GAUGES, currency_values, strict=True)
                   if value is not None]
    return values


# The windowed gauges by key (gauge_values' first element); their metric names, help
# texts and labels are in the metrics layer's catalogue (streams/metrics/catalogue.py).
END_GAUGE: Final = "end"  # the windows' event-time end, unlabelled
ADDITIVE_GAUGES: Final = (  # per (brand, channel) and window: (key, Row index)
    ("messages", MESSAGES), ("answered", ANSWERED), ("replies", REPLIES),
    ("opened", OPENED), ("resolved", RESOLVED),
    ("first_response_sum_seconds", FR_SUM_US), ("first_responses", FR_COUNT),
    ("csat_responses", CSAT_N), ("csat_score_points", CSAT_SUM), ("csat_satisfied", CSAT_OK),
    ("nps_responses", NPS_N), ("nps_promoters", NPS_PRO), ("nps_detractors", NPS_DET),
    ("sentiment_positive", SENT_POS), ("sentiment_negative", SENT_NEG),
    ("sentiment_rated", SENT_N),
)
RATIO_GAUGES: Final = ("response_rate", "first_response_mean_seconds", "csat_score",
                       "nps_score", "net_sentiment")  # per (brand, channel) and window
CURRENCY_GAUGES: Final = ("alternative_cost", "social_cost", "savings", "roi")  # per window
