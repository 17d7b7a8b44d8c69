"""The Prometheus text format (0.0.4) of the worker's metric families, byte for byte what
`prometheus_client.generate_latest` writes for them, with each series' name and label
text cached.

Why: prometheus_client validates every label name and escapes every label value on each
scrape; with the example configuration's ~5,000 series that took ~35 ms of the worker's
event loop per scrape, and a scrape loop every 20 ms (bench/latency.py) left the worker
no time for events. The series are bounded (docs/metrics.md, "Cardinality"), so is the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client.core import Metric
from prometheus_client.utils import floatToGoString

MAX_CACHED_SERIES = 200_000  # far above any configuration's bound; cleared beyond it
_TYPE_SUFFIX = {"counter": "_total"}
_go_float: Callable[[float], str] = floatToGoString  # prometheus_client's, untyped


class Exposition:
    def __init__(self) -> None:
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def render(self, families: Iterable[Metric]) -> bytes:
        if len(self._series) > MAX_CACHED_SERIES:
            self._series.clear()
        series = self._series
        lines: list[str] = []
        for family in families:
            name = family.name + _TYPE_SUFFIX.get(family.type, "")
            documentation = family.documentation.replace("\\", r"\\").replace("\n", r"\n")
            lines.append(f"# HELP {name} {documentation}\n# TYPE {name} {family.type}\n")
            for sample in family.samples:
                key = (sample.name, tuple(sample.labels.items()))
                prefix = series.get(key)
                if prefix is None:
                    prefix = series[key] = _series_text(sample.name, sample.labels)
                lines.append(f"{prefix} {_go_float(sample.value)}\n")
        return "".join(lines).encode()


def _series_text(name: str, labels: dict[str, str]) -> str:
    if not labels:
        return name
    pairs = ",".join(
        f'{label}="{_escape(value)}"' for label, value in sorted(labels.items())
    )
    return f"{name}{{{pairs}}}"


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
