"""`/metrics` for Prometheus, read from the worker's state at scrape time.

A custom collector sums the live totals of the partitions this worker owns (KPIS.md
section 8), so nothing is mirrored per event. It runs on the worker's event loop (an
aiohttp server), so a scrape never sees a half-applied event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from schemas.rejections import REJECT_REASONS
from streams.core.engine import OTHER_CHANNEL
from streams.core.sla import SlaBook
from streams.core.timeutil import US_PER_SECOND
from streams.core.totals import BUCKET_BOUNDS_SECONDS, HISTOGRAMS, LiveTotals
from streams.core.windows import GAUGE_HELP, gauge_values
from streams.live.http_security import OPEN, MetricsSecurity, basic_auth

if TYPE_CHECKING:
    from streams.live.worker import LiveWorker

PREFIX = "carepulse_"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class WorkerCollector(Collector):
    def __init__(self, worker: LiveWorker) -> None:
        self._worker = worker
        config = worker.config
        channels = (*config.channels.allowlist, OTHER_CHANNEL)
        self._sla_label_sets = SlaBook(config).label_sets(sorted(set(channels)))

    def collect(self) -> Iterator[Metric]:
        states = list(self._worker.states.values())
        totals = LiveTotals()
        rejected: Counter[str] = Counter({reason: 0 for reason in REJECT_REASONS})
        # every SLA series from the start: alert rules see a first breach as an increase
        zeros = dict.fromkeys(self._sla_label_sets, 0)
        at_risk: Counter[tuple[str, str, str]] = Counter(zeros)
        totals.sla_met.update(zeros)
        totals.sla_breaches.update(zeros)
        duplicates = accepted = 0
        for state in states:
            totals.add(state.totals)
            rejected.update(state.rejected)
            at_risk.update(state.watch.at_risk)
            duplicates += state.engine.duplicates
            accepted += state.engine.accepted
        yield from _counters(totals)
        yield from _histograms(totals)
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
            labels=["channel", "policy", "target"],
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
            PREFIX + "fetch_wait_seconds",
            "How long the consumer's fetches may wait (longer while the broker is slow)",
            value=self._worker.fetch_wait.wait_ms / 1000,
        )
        yield GaugeMetricFamily(
            PREFIX + "consumer_lag_records",
            "Records of the owned input partitions not yet applied (at the last fetch)",
            value=sum(state.lag_records for state in states),
        )


def _counters(totals: LiveTotals) -> Iterator[Metric]:
    families = (
        ("messages_received", "Inbound customer messages", ["channel"], totals.messages),
        ("replies_sent", "Replies by the brand", ["channel", "author_type"], totals.replies),
        ("conversations_opened", "Cycles opened (reopens included)", ["channel"],
         totals.opened),
        ("conversations_resolved", "Cycles resolved", ["channel", "resolved_by"],
         totals.resolved),
        ("survey_responses", "Survey answers", ["survey", "score"], totals.surveys),
        ("sla_breaches", "SLA targets breached, at the deadline", ["channel", "policy",
         "target"], totals.sla_breaches),
        ("sla_met", "SLA targets met, at the answering event", ["channel", "policy",
         "target"], totals.sla_met),
    )
    for name, documentation, labels, counts in families:
        family = CounterMetricFamily(PREFIX + name, documentation, labels=labels)
        for key, count in sorted(counts.items(), key=lambda item: str(item[0])):
            values = key if isinstance(key, tuple) else (key,)
            family.add_metric([str(value) for value in values], count)
        yield family


def _histograms(totals: LiveTotals) -> Iterator[Metric]:
    bounds = [str(float(bound)) for bound in BUCKET_BOUNDS_SECONDS] + ["+Inf"]
    for name in HISTOGRAMS:
        family = HistogramMetricFamily(
            PREFIX + name, f"{name.replace('_', ' ')} samples", labels=["channel"]
        )
        for (histogram_name, channel), histogram in sorted(totals.histograms.items()):
            if histogram_name != name:
                continue
            cumulative, buckets = 0, []
            for bound, count in zip(bounds, histogram.bucket_counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            family.add_metric([channel], buckets, histogram.sum_us / US_PER_SECOND)
        yield family


def _conversation_gauges(worker: LiveWorker) -> Iterator[Metric]:
    open_by_channel: Counter[str] = Counter()
    waiting_by_channel: Counter[str] = Counter()
    oldest_wait_us: dict[str, int] = {}
    for state in worker.states.values():
        now_us = state.now_us
        for conv in state.engine.conversations.values():
            if conv.cycle_open:
                open_by_channel[conv.cycle_channel] += 1
            since_us = conv.waiting_since_us
            if since_us is not None:
                channel = conv.cycle_channel
                waiting_by_channel[channel] += 1
                wait_us = max(now_us - since_us, 0)
                if wait_us > oldest_wait_us.get(channel, -1):
                    oldest_wait_us[channel] = wait_us
    gauges = (
        ("open_conversations", "Conversations with an open cycle", open_by_channel),
        ("waiting_conversations", "Conversations whose customer waits for an agent",
         waiting_by_channel),
        ("oldest_waiting_seconds",
         "Wait of the longest-waiting customer (to the wall clock once caught up)",
         {channel: wait_us / US_PER_SECOND for channel, wait_us in oldest_wait_us.items()}),
    )
    for name, documentation, values in gauges:
        family = GaugeMetricFamily(PREFIX + name, documentation, labels=["channel"])
        for channel, value in sorted(values.items()):
            family.add_metric([channel], value)
        yield family


def _window_gauges(worker: LiveWorker) -> Iterator[Metric]:
    """Rolling windows over the owned partitions, ending at their newest event time;
    the social cost is this worker's share (owned / all input partitions)."""
    config = worker.config
    values = gauge_values(
        [state.windows for state in worker.states.values()], config.savings,
        len(worker.owned), config.kafka.partitions,
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


class MetricsServer:
    def __init__(
        self, worker: LiveWorker, host: str, port: int,
        security: MetricsSecurity = OPEN,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(WorkerCollector(worker))
        self._runner: web.AppRunner | None = None

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(self.registry),
                            headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> None:
        authorization = self.security.authorization
        app = web.Application(middlewares=[] if authorization is None else [
            basic_auth(authorization)
        ])
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self.port, ssl_context=self.security.ssl_context
        )
        await site.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
