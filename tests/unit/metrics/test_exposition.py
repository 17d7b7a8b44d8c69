"""The worker's own text exposition (streams/metrics/exposition.py) writes exactly the bytes
prometheus_client's `generate_latest` writes, from cache and after values change."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from streams.config import MetricsConfig, load_config
from streams.metrics.collector import WorkerCollector
from streams.metrics.exposition import Exposition
from streams.state.partition import PartitionState
from streams.testing.simulate import generate_lines
from tests.live.test_cardinality import Owner
from tests.unit.cli.test_cli import EXAMPLE_CONFIG

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from streams.live.worker import LiveWorker


class Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def registry_of(collector: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def test_a_simulated_worker_exposes_the_bytes_of_prometheus_client_twice() -> None:
    config = load_config(EXAMPLE_CONFIG).model_copy(
        update={"metrics": MetricsConfig(agent_series=True, team_series=True)}
    )
    owner = Owner(config, owned={0, 1})
    owner.states = {partition: PartitionState(partition, config) for partition in owner.owned}
    lines = list(generate_lines(6_000, seed=3, bad_fraction=0.01))
    registry, exposition = registry_of(WorkerCollector(cast("LiveWorker", owner))), Exposition()
    for half in (lines[:3_000], lines[3_000:]):
        for line in half:
            state = owner.states[len(line) % 2]
            state.apply(state.next_offset, line)
        expected = generate_latest(registry)
        assert exposition.render(registry.collect()) == expected
        assert expected.count(b"\n") > 1_000  # a real exposition, not a trivial one


def test_label_values_and_help_texts_are_escaped_alike() -> None:
    counter = CounterMetricFamily("x_events", 'help with \\ and\nnewline "quoted"',
                                  labels=["brand", "channel"])
    counter.add_metric(['a"b', "c\\d\ne"], 3)
    gauge = GaugeMetricFamily("x_plain", "no labels", value=0.1)
    registry = registry_of(Fixed([counter, gauge]))
    assert Exposition().render(registry.collect()) == generate_latest(registry)
