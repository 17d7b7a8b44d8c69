"""A `/metrics` text exposition read back into samples, as Prometheus reads it (the
demo's summary and the worker-process harness of streams.testing)."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

__all__ = ["Sample", "parse_samples", "scrape"]


def parse_samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text)
            for sample in family.samples]


def scrape(url: str, timeout_seconds: float) -> list[Sample]:
    """Every sample of `url`; OSError (or ValueError) while nothing answers there."""
    with urllib.request.urlopen(url, timeout=timeout_seconds) as response:
        return parse_samples(response.read().decode("utf-8"))
