"""No scrape can crash a worker: an error of the collector is answered with a 500 and a
one-line body, logged once, and `/metrics` goes on serving (issue 13, point 3)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from streams.config import CarePulseConfig
from streams.kafka.broker import free_port
from streams.metrics.server import MetricsServer
from tests.live.test_cardinality import Owner

if TYPE_CHECKING:
    from streams.live.worker import LiveWorker


class Failing(Collector):
    """Raises `error` while it is set, else yields one gauge."""

    def __init__(self) -> None:
        self.error: Exception | None = None

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("carepulse_partitions_owned", "owned", value=6)
        if self.error is not None:
            raise self.error


async def scrape(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def test_a_failing_collector_gets_a_500_is_logged_once_and_serving_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = Owner(CarePulseConfig())
    server = MetricsServer(cast("LiveWorker", owner), "127.0.0.1", free_port())
    failing = Failing()
    server.registry = CollectorRegistry(auto_describe=False)
    server.registry.register(failing)
    url = f"http://127.0.0.1:{server.port}/metrics"

    async def scenario() -> list[tuple[int, str]]:
        await server.start()
        try:
            answers = []
            for error in (ValueError("owned 6 of 4 partitions"),
                          ValueError("owned 6 of 4 partitions"), KeyError(3), None):
                failing.error = error
                answers.append(await scrape(url))
            return answers
        finally:
            await server.stop()

    with caplog.at_level(logging.INFO, logger="carepulse.metrics"):
        answers = asyncio.run(scenario())
    assert answers[:3] == [
        (500, "collecting the metrics failed (ValueError); see the worker's log\n"),
        (500, "collecting the metrics failed (ValueError); see the worker's log\n"),
        (500, "collecting the metrics failed (KeyError); see the worker's log\n"),
    ]
    assert answers[3][0] == 200 and "carepulse_partitions_owned 6.0" in answers[3][1]
    logged = [record.getMessage() for record in caplog.records
              if record.name == "carepulse.metrics"]
    assert len(logged) == 2  # the repeated ValueError is not logged again
    assert logged[0].startswith("/metrics: the collector failed (scrape 1): ValueError: owned "
                                "6 of 4 partitions (at test_metrics_errors.py:")
    assert "KeyError: 3 (at test_metrics_errors.py:" in logged[1]
    assert all("\n" not in line for line in logged)
    assert server.failed_scrapes == 3
