"""`/metrics` for Prometheus, read from the worker's state at scrape time.

A custom collector sums the live totals of the partitions this worker owns (docs/kpis.md
section 8), so nothing is mirrored per event. It runs on the worker's event loop (the
server in server.py), so a scrape never sees a half-applied event. It reads the worker
through `WorkerView`, what it needs of it, so this package does not import the Faust
worker (streams.live), which imports it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Protocol, get_args

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from schemas.events import AuthorType, ResolvedBy
from schemas.rejections import REJECT_REASONS
from streams.config import CarePulseConfig
from streams.kpi.labels import NO_TOPIC, OTHER, LabelValues
from streams.kpi.sla import SlaBook
from streams.kpi.timeutil import US_PER_SECOND
from streams.state.partition import PartitionState
from streams.state.totals import AGENT_HISTOGRAM, BUCKET_BOUNDS_SECONDS, HISTOGRAMS, LiveTotals
from streams.state.windows import (
    CURRENCY_GAUGES,
    GAUGE_HELP,
    SERIES_GAUGES,
    WINDOW_SECONDS,
    gauge_values,
)

PREFIX = "carepulse_"


class FetchWaitView(Protocol):
    @property
    def wait_ms(self) -> int:
        """How long the consumer's fetches may wait now, in milliseconds."""


class WorkerView(Protocol):
    """What the collector reads of a worker (streams.live.worker.LiveWorker)."""

    @property
    def config(self) -> CarePulseConfig: ...

    @property
    def states(self) -> Mapping[int, PartitionState]:
        """The restored states of the partitions it holds."""

    @property
    def owned(self) -> Collection[int]:
        """The input partitions it owns."""

    @property
    def recovering(self) -> int:
        """Owned partitions whose state is still being read from the changelog."""

    @property
    def topic_partitions(self) -> int:
        """The input topic's partition count."""

    @property
    def fetch_wait(self) -> FetchWaitView: ...

    def summary(self) -> str:
        """One line on what it owns and counted there (its index page shows it)."""


class WorkerCollector(Collector):
    def __init__(self, worker: WorkerView) -> None:
        self._worker = worker
        config = worker.config
        settings = config.kpi_settings()
        self._labels = LabelValues(settings.labels)
        self._agent_series = config.metrics.agent_series
        channels = sorted({*config.channels.allowlist, OTHER})
        brands = sorted({*config.brands.allowlist, OTHER})
        self._sla_label_sets = [
            (brand, *label_set)
            for brand in brands
            for label_set in SlaBook(settings.sla_policies).label_sets(channels)
        ]

    def collect(self) -> Iterator[Metric]:
        states = list(self._worker.states.values())
        totals = LiveTotals(self._labels)
        rejected: Counter[str] = Counter({reason: 0 for reason in REJECT_REASONS})
        # every SLA series from the start: alert rules see a first breach as an increase
        zeros = dict.fromkeys(self._sla_label_sets, 0)
        at_risk: Counter[tuple[str, str, str, str]] = Counter(zeros)
        totals.sla_met.update(zeros)
        totals.sla_breaches.update(zeros)
        duplicates = accepted = 0
        for state in states:
            totals.add(state.totals)
            rejected.update(state.rejected)
            at_risk.update(state.watch.at_risk)
            duplicates += state.engine.duplicates
            accepted += state.engine.accepted
        yield from _counters(totals, self._agent_series)
        yield from _histograms(totals, self._agent_series)
        yield from _conversation_gauges(self._worker)
        yield from _window_gauges(self._worker)
        reasons = CounterMetricFamily(
            PREFIX + "events_rejected", "Records rejected, by reason", labels=["reason"]
        )
        for reason, count in sorted(rejected.items()):
            reasons.add_metric([reason], count)
        yield reasons
        yield CounterMetricFamily(
            PREFIX + "events_duplicate", "Events ignored as duplicates of an event_id",
            value=duplicates,
        )
        yield CounterMetricFamily(
            PREFIX + "events_read", "Input records read: accepted, rejected or duplicate",
            value=accepted + duplicates + sum(rejected.values()),
        )
        at_risk_family = GaugeMetricFamily(
            PREFIX + "sla_at_risk_conversations",
            "Open SLA clocks past their at-risk fraction, not yet breached",
            labels=["brand", "channel", "policy", "target"],
        )
        for labels, count in sorted(at_risk.items()):
            at_risk_family.add_metric(list(labels), count)
        yield at_risk_family
        yield GaugeMetricFamily(
            PREFIX + "conversations_in_memory",
            "Conversations held in state: open, or resolved within their grace period",
            value=sum(len(state.engine.conversations) for state in states),
        )
        yield GaugeMetricFamily(
            PREFIX + "partitions_owned", "Input partitions this worker owns",
            value=len(self._worker.owned),
        )
        yield GaugeMetricFamily(
            PREFIX + "partitions_recovering",
            "Owned input partitions whose state is still being read from the changelog",
            value=self._worker.recovering,
        )
        yield GaugeMetricFamily(
            PREFIX + "fetch_wait_seconds",
            "How long the consumer's fetches may wait (longer while the broker is slow)",
            value=self._worker.fetch_wait.wait_ms / 1000,
        )
        yield GaugeMetricFamily(
            PREFIX + "consumer_lag_records",
            "Records of the owned input partitions not yet applied (at the last fetch)",
            value=sum(state.lag_records for state in states),
        )


PLAIN_SERIES = 7  # events_duplicate, events_read, conversations_in_memory,
# partitions_owned, partitions_recovering, fetch_wait_seconds, consumer_lag_records
_SERIES = ["brand", "channel"]
_AGENT = ["brand", "agent"]


def _counters(totals: LiveTotals, agent_series: bool) -> Iterator[Metric]:
    families: list[tuple[str, str, list[str], Counter[Any]]] = [
        ("messages_received", "Inbound customer messages", _SERIES, totals.messages),
        ("topic_messages", "Inbound customer messages by topic (none: without topic)",
         [*_SERIES, "topic"], totals.topics),
        ("replies_sent", "Replies by the brand", [*_SERIES, "author_type"], totals.replies),
        ("quick_replies", "Replies using a quick reply", [*_SERIES, "quick_reply"],
         totals.quick_replies),
        ("conversations_opened", "Cycles opened (reopens included)", _SERIES, totals.opened),
        ("conversations_resolved", "Cycles resolved", [*_SERIES, "resolved_by"],
         totals.resolved),
        ("survey_responses", "Survey answers", ["survey", "score"], totals.surveys),
        ("sla_breaches", "SLA targets breached, at the deadline",
         [*_SERIES, "policy", "target"], totals.sla_breaches),
        ("sla_met", "SLA targets met, at the answering event", [*_SERIES, "policy", "target"],
         totals.sla_met),
    ]
    if agent_series:
        families += [
            ("agent_replies", "Agent replies by agent", _AGENT, totals.agent_replies),
            ("agent_resolutions", "Resolutions naming an agent, by agent", _AGENT,
             totals.agent_resolutions),
        ]
    for name, documentation, labels, counts in families:
        family = CounterMetricFamily(PREFIX + name, documentation, labels=labels)
        for key, count in sorted(counts.items(), key=lambda item: str(item[0])):
            family.add_metric([str(value) for value in key], count)
        yield family


def _histograms(totals: LiveTotals, agent_series: bool) -> Iterator[Metric]:
    bounds = [str(float(bound)) for bound in BUCKET_BOUNDS_SECONDS] + ["+Inf"]
    names = [(name, _SERIES) for name in HISTOGRAMS]
    if agent_series:
        names.append((AGENT_HISTOGRAM, _AGENT))
    for name, labels in names:
        family = HistogramMetricFamily(
            PREFIX + name, f"{name.replace('_', ' ')} samples", labels=labels
        )
        for (histogram_name, brand, label), histogram in sorted(totals.histograms.items()):
            if histogram_name != name:
                continue
            cumulative, buckets = 0, []
            for bound, count in zip(bounds, histogram.bucket_counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            family.add_metric([brand, label], buckets, histogram.sum_us / US_PER_SECOND)
        yield family


def _conversation_gauges(worker: WorkerView) -> Iterator[Metric]:
    open_by_series: Counter[tuple[str, str]] = Counter()
    waiting_by_series: Counter[tuple[str, str]] = Counter()
    oldest_wait_us: dict[tuple[str, str], int] = {}
    for state in worker.states.values():
        open_by_series.update(state.gauges.open)
        waiting_by_series.update(state.gauges.waiting)
        for series, since_us in state.gauges.oldest_since_us().items():
            wait_us = max(state.now_us - since_us, 0)
            if wait_us > oldest_wait_us.get(series, -1):
                oldest_wait_us[series] = wait_us
    families = (
        ("open_conversations", "Conversations with an open cycle", open_by_series),
        ("waiting_conversations", "Conversations whose customer waits for an agent",
         waiting_by_series),
        ("oldest_waiting_seconds",
         "Wait of the longest-waiting customer (to the wall clock once caught up)",
         {series: wait_us / US_PER_SECOND for series, wait_us in oldest_wait_us.items()}),
    )
    for name, documentation, values in families:
        family = GaugeMetricFamily(PREFIX + name, documentation, labels=_SERIES)
        for series, value in sorted(values.items()):
            family.add_metric(list(series), value)
        yield family


def _window_gauges(worker: WorkerView) -> Iterator[Metric]:
    """Rolling windows over the owned partitions, ending at their newest event time;
    the social cost is this worker's share (owned / the input topic's real partition
    count, `worker.topic_partitions`)."""
    config = worker.config
    values = gauge_values(
        [state.windows for state in worker.states.values()], config.savings,
        len(worker.owned), worker.topic_partitions,
    )
    families: dict[str, GaugeMetricFamily] = {}
    for name, labels, value in values:
        family = families.get(name)
        if family is None:
            family = families[name] = GaugeMetricFamily(
                PREFIX + name, GAUGE_HELP[name], labels=list(labels)
            )
        family.add_metric(list(labels.values()), value)
    yield from families.values()


def series_bound(config: CarePulseConfig) -> int:
    """Most series (exposition lines with a value) `/metrics` can show under `config`,
    whatever the events carry (README, "Cardinality"). With B brands and C channels (each
    allowlist + `other`), T topics (+ `other`, `none`), Q quick replies (+ `other`), A
    agents (+ `other`; 0 when agent series are off), L SLA (channel, policy, target)
    label sets and H = buckets + 3 lines per histogram:
    B*C*(8 + 3*H + 3 + 3*G + T + Q) + 3*B*L + B*A*(2 + H) + 16 + R + P + 1 + 3*4,
    where G is the windowed gauges per series and window, R the reject reasons and P
    the PLAIN_SERIES."""
    channels = sorted({*config.channels.allowlist, OTHER})
    brands = len({*config.brands.allowlist, OTHER})
    topics = len({*config.topics.allowlist, OTHER, NO_TOPIC})
    quick_replies = len({*config.quick_replies.allowlist, OTHER})
    agents = len({*config.agents.allowlist, OTHER}) if config.metrics.agent_series else 0
    sla_label_sets = len(SlaBook(config.kpi_settings().sla_policies).label_sets(channels))
    histogram = len(BUCKET_BOUNDS_SECONDS) + 3  # the buckets, +Inf, _sum and _count
    windows = len(WINDOW_SECONDS)
    counters = len(get_args(AuthorType)) + len(get_args(ResolvedBy)) + 2  # + messages, opened
    per_series = (counters + len(HISTOGRAMS) * histogram + 3 + windows * SERIES_GAUGES
                  + topics + quick_replies)
    surveys = len(range(1, 6)) + len(range(11))
    return (
        brands * len(channels) * per_series + 3 * brands * sla_label_sets
        + brands * agents * (2 + histogram)
        + surveys + len(REJECT_REASONS) + PLAIN_SERIES + 1 + windows * len(CURRENCY_GAUGES)
    )
