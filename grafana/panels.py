"""Grafana 10/11 dashboard JSON (schemaVersion 39) from small builders.

Panels are laid out in rows: each row's panels sit side by side, left to right, and a row
starts below the tallest panel of the row above, so grid positions cannot overlap and
panel ids are numbered in reading order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

DATASOURCE_UID = "carepulse-prometheus"  # grafana/provisioning/datasources/prometheus.yml
DATASOURCE: Json = {"type": "prometheus", "uid": DATASOURCE_UID}
SCHEMA_VERSION = 39
GRID_COLUMNS = 24
ALL_VALUE = ".*"

GREEN, AMBER, RED = "green", "orange", "red"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Thresholds:
    """Colour steps: `base` below the first value, then each (value, colour) upwards."""

    base: str
    steps: tuple[tuple[float, str], ...] = ()

    def json(self) -> Json:
        return {
            "mode": "absolute",
            "steps": [{"color": self.base, "value": None}]
            + [{"color": color, "value": value} for value, color in self.steps],
        }


def higher_is_better(amber_below: float, red_below: float) -> Thresholds:
    return Thresholds(RED, ((red_below, AMBER), (amber_below, GREEN)))


def lower_is_better(amber_from: float, red_from: float) -> Thresholds:
    return Thresholds(GREEN, ((amber_from, AMBER), (red_from, RED)))


NEUTRAL = Thresholds("blue")


@dataclass(frozen=True)
class Panel:
    """One panel before layout: a type, its queries and its display options."""

    kind: str  # stat, timeseries, bargauge
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    description: str = ""
    thresholds: Thresholds = NEUTRAL
    decimals: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    display_name: str | None = None
    no_value: str | None = None
    """What the panel says instead of "No data" when its query returns nothing."""
    width: int = 6
    height: int = 8
    options: Json = field(default_factory=dict)

    def json(self, panel_id: int, x: int, y: int) -> Json:
        defaults: Json = {
            "unit": self.unit,
            "thresholds": self.thresholds.json(),
            "color": {"mode": "thresholds" if self.kind != "timeseries" else "palette-classic"},
        }
        for key, value in (("decimals", self.decimals), ("min", self.minimum),
                           ("max", self.maximum), ("displayName", self.display_name),
                           ("noValue", self.no_value)):
            if value is not None:
                defaults[key] = value
        over_time = self.kind == "timeseries"  # numbers and bars: the value now
        if over_time:
            defaults["custom"] = {"lineWidth": 2, "fillOpacity": 10, "showPoints": "never",
                                  "spanNulls": True}
        return {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": [
                {"refId": chr(ord("A") + index), "datasource": DATASOURCE,
                 "expr": query.expr, "legendFormat": query.legend or "__auto",
                 "range": over_time, "instant": not over_time}
                for index, query in enumerate(self.queries)
            ],
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": self.options,
        }


def stat(title: str, expr: str, unit: str, thresholds: Thresholds, description: str,
         legend: str = "", **extra: Any) -> Panel:
    """A big number coloured by its thresholds (the wall's building block)."""
    options = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": "background", "graphMode": "none", "justifyMode": "center",
        "textMode": "value_and_name" if legend else "value", "orientation": "auto",
        "text": {"titleSize": 22, "valueSize": 64},
    }
    return Panel("stat", title, (Query(expr, legend),), unit, description, thresholds,
                 options=options, **extra)


def timeseries(title: str, queries: Sequence[Query], unit: str, description: str,
               **extra: Any) -> Panel:
    options = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    return Panel("timeseries", title, tuple(queries), unit, description, options=options,
                 **extra)


def bars(title: str, expr: str, legend: str, unit: str, description: str,
         thresholds: Thresholds = NEUTRAL, **extra: Any) -> Panel:
    """One horizontal bar per series (channel, policy, agent, topic ...)."""
    options = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
        "valueMode": "color", "namePlacement": "left", "minVizHeight": 16,
        "minVizWidth": 8, "maxVizHeight": 300, "sizing": "auto",
    }
    return Panel("bargauge", title, (Query(expr, legend),), unit, description, thresholds,
                 options=options, **extra)


def variable(name: str, label: str, query: str) -> Json:
    """A multi-value query variable on `label_values(...)`, "All" meaning every value."""
    return {
        "name": name, "label": label, "type": "query", "datasource": DATASOURCE,
        "query": query, "definition": query, "refresh": 2, "regex": "", "sort": 1,
        "includeAll": True, "multi": True, "allValue": ALL_VALUE, "hide": 0,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "options": [],
    }


def layout(rows: Sequence[Sequence[Panel]]) -> list[Json]:
    panels: list[Json] = []
    y = 0
    for row in rows:
        x = 0
        for panel in row:
            if x + panel.width > GRID_COLUMNS:
                raise ValueError(f"row with {panel.title!r} is wider than {GRID_COLUMNS}")
            panels.append(panel.json(len(panels) + 1, x, y))
            x += panel.width
        y += max(panel.height for panel in row)
    return panels


def dashboard(uid: str, title: str, description: str, rows: Sequence[Sequence[Panel]],
              variables: Sequence[Json], time_from: str = "now-6h",
              refresh: str = "30s") -> Json:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["carepulse"],
        "timezone": "browser",
        "editable": False,
        "graphTooltip": 1,
        "refresh": refresh,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "templating": {"list": list(variables)},
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["carepulse"], "asDropdown": True,
                   "title": "CarePulse", "includeVars": True, "keepTime": True}],
        "panels": layout(rows),
    }
