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
from typing import Any, Protocol

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from schemas.rejections import REJECT_REASONS
from streams.config import CarePulseConfig
from streams.kpi.conversation import STATUSES
from streams.kpi.labels import OTHER, LabelValues
from streams.kpi.sla import SlaBook
from streams.kpi.timeutil import US_PER_SECOND
from streams.metrics.catalogue import BY_NAME, FAMILIES, PREFIX, Family, window_family
from streams.state.partition import PartitionState
from streams.state.totals import BUCKET_BOUNDS_SECONDS, LiveTotals
from streams.state.windows import gauge_values


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
        self._families = [family for family in FAMILIES
                          if family.opt_in is None or getattr(config.metrics, family.opt_in)]
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
        yield from _counters(totals, self._families)
        yield from _histograms(totals, self._families)
        yield from _conversation_gauges(self._worker)
        yield from _window_gauges(self._worker)
        reasons = _family("events_rejected")
        for reason, count in sorted(rejected.items()):
            reasons.add_metric([reason], count)
        yield reasons
        yield _family("events_duplicate", duplicates)
        yield _family("events_read", accepted + duplicates + sum(rejected.values()))
        at_risk_family = _family("sla_at_risk_conversations")
        for labels, count in sorted(at_risk.items()):
            at_risk_family.add_metric(list(labels), count)
        yield at_risk_family
        yield _family("conversations_in_memory",
                      sum(len(state.engine.conversations) for state in states))
        yield _family("partitions_owned", len(self._worker.owned))
        yield _family("partitions_recovering", self._worker.recovering)
        yield _family("fetch_wait_seconds", self._worker.fetch_wait.wait_ms / 1000)
        yield _family("consumer_lag_records", sum(state.lag_records for state in states))


_KINDS: dict[str, Any] = {"counter": CounterMetricFamily, "gauge": GaugeMetricFamily,
                          "histogram": HistogramMetricFamily}


def _family(name: str | Family, value: float | None = None) -> Any:
    """An empty metric family of the catalogue's `name`, or its one unlabelled value."""
    family = BY_NAME[name] if isinstance(name, str) else name
    metric_class = _KINDS[family.kind]
    if value is not None:
        return metric_class(PREFIX + family.name, family.help, value=value)
    return metric_class(PREFIX + family.name, family.help, labels=list(family.labels))


def _counters(totals: LiveTotals, families: list[Family]) -> Iterator[Metric]:
    """The counter families read from the totals (those switched on)."""
    for family in families:
        if family.kind != "counter" or family.source is None:
            continue
        metric = _family(family)
        counts: Counter[Any] = getattr(totals, family.source)
        for key, count in sorted(counts.items(), key=lambda item: str(item[0])):
            metric.add_metric([str(value) for value in key], count)
        yield metric


def _histograms(totals: LiveTotals, families: list[Family]) -> Iterator[Metric]:
    bounds = [str(float(bound)) for bound in BUCKET_BOUNDS_SECONDS] + ["+Inf"]
    for catalogued in families:
        if catalogued.kind != "histogram":
            continue
        name, family = catalogued.source, _family(catalogued)
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
    by_status: Counter[tuple[str, ...]] = Counter()
    waiting_by_series: Counter[tuple[str, str]] = Counter()
    oldest_wait_us: dict[tuple[str, str], int] = {}
    for state in worker.states.values():
        open_by_series.update(state.gauges.open)
        by_status.update(state.gauges.by_status)
        waiting_by_series.update(state.gauges.waiting)
        for series, since_us in state.gauges.oldest_since_us().items():
            wait_us = max(state.now_us - since_us, 0)
            if wait_us > oldest_wait_us.get(series, -1):
                oldest_wait_us[series] = wait_us
    # every status of a series seen open, at 0 when no cycle of it has that status
    by_status.update(dict.fromkeys(
        [(*series, status) for series in open_by_series for status in STATUSES], 0))
    families: tuple[tuple[str, Mapping[Any, float]], ...] = (
        ("open_conversations", open_by_series),
        ("conversations_by_status", by_status),
        ("waiting_conversations", waiting_by_series),
        ("oldest_waiting_seconds",
         {series: wait_us / US_PER_SECOND for series, wait_us in oldest_wait_us.items()}),
    )
    for name, values in families:
        family = _family(name)
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
    for key, labels, value in values:
        catalogued = window_family(key)
        family = families.get(key)
        if family is None:
            family = families[key] = _family(catalogued)
        family.add_metric([labels[label] for label in catalogued.labels], value)
    yield from families.values()
