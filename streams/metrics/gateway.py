"""The gateway's own `/metrics` (`carepulse ingest`): its families come from the
catalogue (`GATEWAY_FAMILIES`); labels are bounded: routes are the gateway's own (any
other path counts as `other`), statuses the codes it answers, platforms the registered
ones."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from streams.metrics.catalogue import GATEWAY_FAMILIES, PREFIX, Family

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
ACK_BUCKETS_SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BY_NAME = {family.name: family for family in GATEWAY_FAMILIES}


def _counter(name: str, registry: CollectorRegistry) -> Counter:
    family: Family = _BY_NAME[name]
    return Counter(PREFIX + family.name, family.help, family.labels, registry=registry)


class GatewayMetrics:
    def __init__(self, platforms: Iterable[str]) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` series: the worker exports none either
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = _counter("ingest_requests", self.registry)
        self.request_bytes = _counter("ingest_request_bytes", self.registry)
        self.events = _counter("ingest_events", self.registry)
        self.webhooks = _counter("ingest_webhooks", self.registry)
        ack = _BY_NAME["ingest_ack_seconds"]
        self.ack_seconds = Histogram(PREFIX + ack.name, ack.help, ack.labels,
                                     registry=self.registry, buckets=ACK_BUCKETS_SECONDS)
        for platform in platforms:
            self.webhooks.labels(platform)  # from 0: `increase` sees a silent source
        for outcome in ("accepted", "rejected"):
            self.events.labels(outcome)

    def render(self) -> bytes:
        return generate_latest(self.registry)
