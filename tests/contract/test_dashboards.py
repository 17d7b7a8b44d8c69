"""Structural checks of the Grafana dashboards (no Grafana needed).

The JSON files are what `grafana/walls.py` generates (one source of truth); every panel
names the provisioned datasource, ids are unique, grid positions fit and do not overlap,
variables are defined and used, and the expressions follow the rules of walls.py: ratios
of sums, percentiles from histogram buckets, counters only through rate() or increase().
The settings taken from the worker's configuration (currency, SLA texts and thresholds)
follow it. Grafana cannot run here: Grafana Labs' grafana-foundation-sdk (its dashboard
models, a dev dependency) parses every file, and every key, value, enum and unit must be
one of Grafana's. That every panel returns a value from a live worker is
tests/live/test_prometheus_live.py.
"""

from __future__ import annotations

import enum
import itertools
import json
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.cog import runtime as sdk_runtime
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models import dashboard as sdk_dashboard
from grafana_foundation_sdk.models import prometheus as sdk_prometheus
from grafana_foundation_sdk.models import units as sdk_units

from grafana import walls
from grafana.generate import DEFAULT_CONFIG, OUT, main, rendered, stale
from grafana.panels import AMBER, GREEN, GRID_COLUMNS, NEUTRAL, RED
from grafana.walls import (
    NO_SLA_OUTCOME,
    NO_SLA_POLICY,
    NO_TEAM_OUTCOME,
    NO_TEAM_SERIES,
    WallSettings,
)
from streams.config import load_config

ROOT = Path(__file__).resolve().parents[2]
PROVISIONING = ROOT / "grafana" / "provisioning"
DASHBOARD_FILES = sorted(OUT.glob("*.json"))
# Ratios each worker computes over its own partitions: averaging them across workers
# would be an average of averages. Dashboards divide summed components instead.
PER_WORKER_RATIOS = {
    "carepulse_window_response_rate", "carepulse_window_first_response_mean_seconds",
    "carepulse_window_csat_score", "carepulse_window_nps_score",
    "carepulse_window_net_sentiment", "carepulse_roi_ratio",
}
PANEL_TYPES = {"stat", "timeseries", "bargauge"}


def _dashboard(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _panel(dashboard: dict[str, Any], title: str) -> dict[str, Any]:
    found = [panel for panel in dashboard["panels"] if panel["title"] == title]
    assert len(found) == 1, title
    return found[0]


def _provisioned_uids() -> set[str]:
    uids = set()
    for path in (PROVISIONING / "datasources").glob("*.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["datasources"]:
            uids.add(source["uid"])
    return uids


def test_the_json_files_are_what_the_code_generates() -> None:
    assert stale() == []
    assert main(["--check"]) == 0
    assert {path.stem for path in DASHBOARD_FILES} == set(walls.DASHBOARDS)


def test_dashboard_uids_and_titles_are_unique() -> None:
    dashboards = [_dashboard(path) for path in DASHBOARD_FILES]
    assert len({d["uid"] for d in dashboards}) == len({d["title"] for d in dashboards}) == 5


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_every_datasource_reference_resolves(path: Path) -> None:
    dashboard = _dashboard(path)
    uids = _provisioned_uids()
    references = [panel["datasource"] for panel in dashboard["panels"]]
    references += [target["datasource"] for panel in dashboard["panels"]
                   for target in panel["targets"]]
    references += [variable["datasource"] for variable in dashboard["templating"]["list"]]
    assert references
    for reference in references:
        assert reference == {"type": "prometheus", "uid": reference["uid"]}
        assert reference["uid"] in uids


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_panels_have_unique_ids_and_non_overlapping_grid_positions(path: Path) -> None:
    dashboard = _dashboard(path)
    assert dashboard["schemaVersion"] == 39
    panels = dashboard["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        grid = panel["gridPos"]
        assert panel["type"] in PANEL_TYPES
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] >= 0 and grid["y"] >= 0
        assert grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert ref_ids and len(ref_ids) == len(set(ref_ids))
        over_time = panel["type"] == "timeseries"  # the others show the value now
        assert all((target["range"], target["instant"]) == (over_time, not over_time)
                   for target in panel["targets"]), panel["title"]
    for one, other in itertools.combinations(panels, 2):
        a, b = one["gridPos"], other["gridPos"]
        apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                 or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
        assert apart, (one["title"], other["title"])


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_variables_are_defined_used_and_query_label_values(path: Path) -> None:
    dashboard = _dashboard(path)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert {"brand", "channel"} <= set(variables)
    queries = [v["query"] for v in variables.values()]
    used = {name for text in _exprs(dashboard) + queries
            for name in re.findall(r"\$(\w+)", text)}
    assert used == set(variables)
    for name, variable in variables.items():
        assert variable["type"] == "query"
        assert re.fullmatch(rf"label_values\(carepulse_\w+(\{{[^}}]*\}})?, {name}\)",
                            variable["query"]), variable["query"]
        assert variable["includeAll"] and variable["allValue"] == ".*"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_expressions_divide_sums_and_take_percentiles_from_histograms(path: Path) -> None:
    for expr in _exprs(_dashboard(path)):
        names = set(re.findall(r"\bcarepulse_\w+", expr))
        assert names and not names & PER_WORKER_RATIOS, expr
        assert not re.search(r"\bavg(_over_time)?\s*\(", expr), expr
        # counters and histogram buckets only through rate() or increase() over a range
        for counter in re.finditer(r"\bcarepulse_\w+_(total|bucket)\{[^}]*\}(\[\w+\])?", expr):
            assert counter.group(2), (counter.group(0), expr)
            before = expr[: counter.start()]
            assert re.search(r"\b(rate|increase)\($", before), expr
        for name in names:
            if name.endswith("_bucket"):
                assert "histogram_quantile(" in expr, expr
            if not name.endswith(("_total", "_bucket")):  # gauges: never a rate
                assert not re.search(rf"\b(rate|increase)\({name}\b", expr), expr
        if "histogram_quantile(" in expr:
            assert re.search(r"sum by \([^)]*\ble\)", expr), expr


def test_every_series_with_brand_and_channel_is_filtered_by_both() -> None:
    money = {"carepulse_savings", "carepulse_window_social_cost",
             "carepulse_window_alternative_cost"}
    agent = re.compile(r"carepulse_agent_\w+")
    team = re.compile(r"carepulse_team_\w+")
    for path in DASHBOARD_FILES:
        for expr in _exprs(_dashboard(path)):
            for selector in re.finditer(r"\b(carepulse_\w+)\{([^}]*)\}", expr):
                name, matchers = selector.groups()
                if name in money:
                    assert "$" not in matchers, expr
                elif agent.fullmatch(name):
                    assert 'brand=~"$brand"' in matchers and 'agent=~"$agent"' in matchers
                elif team.fullmatch(name):
                    assert 'brand=~"$brand"' in matchers and 'team=~"$team"' in matchers
                else:
                    assert 'brand=~"$brand"' in matchers, expr
                    assert 'channel=~"$channel"' in matchers, expr


def test_the_wall_shows_big_coloured_numbers() -> None:
    wall = _dashboard(OUT / "care-wall.json")
    assert wall["uid"] == "carepulse-care-wall" and wall["refresh"] == "10s"
    stats = [panel for panel in wall["panels"] if panel["type"] == "stat"]
    assert [panel["title"] for panel in stats] == [
        "Customers waiting now", "Pending now", "On hold now", "Oldest waiting",
        "First response p50 (1 h)", "First response p90 (1 h)", "Response rate (24 h)",
        "SLA compliance (24 h)", "CSAT (24 h)", "NPS (24 h)", "Savings (30 d)",
    ]
    for panel in stats:
        assert panel["options"]["colorMode"] == "background"
        assert panel["options"]["text"]["valueSize"] >= 48
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[0]["value"] is None
        values = [step["value"] for step in steps[1:]]
        assert values == sorted(values) and len(set(values)) == len(values), panel["title"]
        colours = {step["color"] for step in steps}
        expected = {GREEN, RED} if panel["title"].startswith("Savings") else {GREEN, AMBER, RED}
        if panel["title"] in ("Pending now", "On hold now"):  # counts, not targets
            expected = {NEUTRAL.base}
        assert colours == expected, panel["title"]


def test_the_wall_shows_pending_and_on_hold_beside_waiting() -> None:
    wall = _dashboard(OUT / "care-wall.json")
    first_row = sorted((panel["gridPos"]["x"], panel["title"], panel["targets"][0]["expr"])
                       for panel in wall["panels"] if panel["gridPos"]["y"] == 0)
    scope = 'brand=~"$brand", channel=~"$channel"'
    assert first_row[:3] == [
        (0, "Customers waiting now", f"sum(carepulse_waiting_conversations{{{scope}}})"),
        (4, "Pending now",
         f'sum(carepulse_conversations_by_status{{{scope}, status="pending"}})'),
        (8, "On hold now",
         f'sum(carepulse_conversations_by_status{{{scope}, status="on_hold"}})'),
    ]


def _red_from(panel: dict[str, Any]) -> tuple[str, float]:
    """(`above` or `below`, value) of the red step of a three-colour panel."""
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    if steps[0]["color"] == RED:
        return "below", steps[1]["value"]
    assert steps[-1]["color"] == RED
    return "above", steps[-1]["value"]


def test_the_walls_red_lines_are_the_alert_thresholds() -> None:
    rules = yaml.safe_load((ROOT / "prometheus" / "rules" / "carepulse-alerts.yml").read_text())
    alerts = {rule["alert"]: rule["expr"] for group in rules["groups"]
              for rule in group["rules"] if "alert" in rule}
    wall = _dashboard(OUT / "care-wall.json")
    assert _red_from(_panel(wall, "Oldest waiting")) == ("above", 1800)
    assert re.search(r"carepulse_oldest_waiting_seconds\)\s*>\s*1800\b",
                     alerts["CarePulseCustomerWaitingLong"])
    assert _red_from(_panel(wall, "Response rate (24 h)")) == ("below", 0.8)
    assert re.search(r"<\s*0\.8\b", alerts["CarePulseResponseRateLow"])


# --- what comes from the worker's configuration ------------------------------------------

MONEY = re.compile(r"\bcarepulse_(savings|window_social_cost|window_alternative_cost)\b")
FIRST_RESPONSE = re.compile(r"\bcarepulse_(agent_|team_)?first_response_seconds_bucket\b")
SLA = re.compile(r"\bcarepulse_sla_")
TEAM = re.compile(r"\bcarepulse_team_")
TEAM_SLA = re.compile(r"\bcarepulse_team_sla_")


def _generated(tmp_path: Path, toml: str) -> dict[str, dict[str, Any]]:
    """The dashboards generated for a worker configuration, by file stem."""
    config = tmp_path / "carepulse.toml"
    config.write_text(toml, encoding="utf-8")
    return {path.stem: json.loads(text) for path, text in rendered(config).items()}


def _panels(dashboards: dict[str, dict[str, Any]], pattern: re.Pattern[str]) -> list[Any]:
    """Every panel with a query matching `pattern`."""
    return [panel for dashboard in dashboards.values() for panel in dashboard["panels"]
            if any(pattern.search(target["expr"]) for target in panel["targets"])]


def _defaults(panel: dict[str, Any]) -> dict[str, Any]:
    defaults: dict[str, Any] = panel["fieldConfig"]["defaults"]
    return defaults


def test_the_files_are_generated_from_the_configuration_compose_mounts() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    mounted = [volume.split(":")[0] for volume in compose["services"]["worker"]["volumes"]]
    assert (ROOT / mounted[0]).resolve() == DEFAULT_CONFIG
    assert stale(DEFAULT_CONFIG) == []


@pytest.mark.parametrize(("currency", "unit"), [
    ("EUR", "currencyEUR"), ("USD", "currencyUSD"), ("CHF", "currencyCHF"),
    ("CAD", "prefix:CAD "),
])
def test_money_panels_show_the_configured_currency(
    tmp_path: Path, currency: str, unit: str
) -> None:
    dashboards = _generated(tmp_path, f'[savings]\ncurrency = "{currency}"\n')
    money = _panels(dashboards, MONEY)
    assert {panel["title"] for panel in money} >= {"Savings (30 d)", "ROI (30 d)"}
    for panel in money:
        expected = "percentunit" if panel["title"].startswith("ROI") else unit
        assert _defaults(panel)["unit"] == expected, panel["title"]
    others = [panel for dashboard in dashboards.values() for panel in dashboard["panels"]
              if panel not in money]
    assert all(not _defaults(panel)["unit"].startswith(("currency", "prefix:"))
               for panel in others)


def test_the_repositorys_dashboards_show_money_in_euros() -> None:
    assert load_config(DEFAULT_CONFIG).savings.currency == "EUR"
    wall = _dashboard(OUT / "care-wall.json")
    assert _defaults(_panel(wall, "Savings (30 d)"))["unit"] == "currencyEUR"


def test_sla_panels_say_there_is_no_policy_when_there_is_none(tmp_path: Path) -> None:
    without = _panels(_generated(tmp_path, ""), SLA)
    assert len(without) == 8  # the wall's compliance and the seven of the SLA dashboard
    assert {_defaults(panel).get("noValue") for panel in without} == {NO_SLA_POLICY}
    with_policies = _panels({path.stem: _dashboard(path) for path in DASHBOARD_FILES}, SLA)
    assert {_defaults(panel).get("noValue") for panel in with_policies} == {NO_SLA_OUTCOME}
    everything = [panel for path in DASHBOARD_FILES for panel in _dashboard(path)["panels"]]
    team_panels = _panels({path.stem: _dashboard(path) for path in DASHBOARD_FILES}, TEAM)
    assert sum("noValue" in _defaults(panel) for panel in everything) == 8 + len(team_panels)


def test_team_panels_say_how_to_turn_team_series_on(tmp_path: Path) -> None:
    """Team series off: every team panel (6 on the Team dashboard, 3 on the SLA
    dashboard) says so, whether or not there is a policy; on: the SLA ones say what the
    other SLA panels say, the others that no outcome came yet."""
    policy = '[[sla.policies]]\nname = "all"\nresolution_seconds = 86400\n'
    team_series = '[metrics]\nteam_series = true\n[teams]\nallowlist = ["billing"]\n'
    for toml in ("", policy):
        panels = _panels(_generated(tmp_path, toml), TEAM)
        assert len(panels) == 9
        assert {_defaults(panel)["noValue"] for panel in panels} == {NO_TEAM_SERIES}
    for toml, sla_text in ((team_series, NO_SLA_POLICY), (team_series + policy,
                                                          NO_SLA_OUTCOME)):
        dashboards = _generated(tmp_path, toml)
        team_sla = _panels(dashboards, TEAM_SLA)
        assert len(team_sla) == 4  # compliance on the Team dashboard, three on SLA
        assert {_defaults(panel)["noValue"] for panel in team_sla} == {sla_text}
        others = [panel for panel in _panels(dashboards, TEAM) if panel not in team_sla]
        assert len(others) == 5
        assert {_defaults(panel)["noValue"] for panel in others} == {NO_TEAM_OUTCOME}


def test_the_team_dashboard_shows_each_team() -> None:
    team = _dashboard(OUT / "team.json")
    by_team = [panel for panel in team["panels"] if panel["title"].endswith("per team (24 h)")]
    assert [panel["title"] for panel in by_team] == [
        "First response p50 per team (24 h)", "First response p90 per team (24 h)",
        "Requester wait p50 per team (24 h)", "Resolutions per team (24 h)",
        "SLA compliance per team (24 h)", "Agent replies per team (24 h)",
    ]
    scope = 'brand=~"$brand", team=~"$team"'
    assert [panel["targets"][0]["expr"] for panel in by_team[:3]] == [
        f"histogram_quantile({q}, sum by (team, le) "
        f"(rate(carepulse_{name}_bucket{{{scope}}}[24h])))"
        for q, name in ((0.5, "team_first_response_seconds"),
                        (0.9, "team_first_response_seconds"),
                        (0.5, "team_requester_wait_seconds"))
    ]
    met = f"sum by (team) (increase(carepulse_team_sla_met_total{{{scope}}}[24h]))"
    breached = f"sum by (team) (increase(carepulse_team_sla_breaches_total{{{scope}}}[24h]))"
    assert by_team[4]["targets"][0]["expr"] == f"{met}\n  / (({met} + {breached}) > 0)"
    assert all(panel["targets"][0]["legendFormat"] == "{{team}}" for panel in by_team)


def _steps(panel: dict[str, Any]) -> list[tuple[str, float | None]]:
    return [(step["color"], step["value"])
            for step in _defaults(panel)["thresholds"]["steps"]]


def test_first_response_thresholds_come_from_the_longest_sla_target(tmp_path: Path) -> None:
    toml = (
        '[[sla.policies]]\nname = "fast"\nmatch = { priorities = ["urgent"] }\n'
        "first_response_seconds = 600\nat_risk_fraction = 0.5\n"
        '[[sla.policies]]\nname = "slow"\nfirst_response_seconds = 1200\n'
        "at_risk_fraction = 0.75\n"
    )
    panels = _panels(_generated(tmp_path, toml), FIRST_RESPONSE)
    assert len(panels) == 7  # wall p50 and p90, p90 per channel, p50 and p90 per agent
    # and per team
    for panel in panels:
        assert _steps(panel) == [(GREEN, None), (AMBER, 900), (RED, 1200)], panel["title"]
        assert "1200 s (the longest SLA first-response target)" in panel["description"]


def test_without_a_first_response_target_the_thresholds_are_the_defaults(
    tmp_path: Path,
) -> None:
    only_resolution = '[[sla.policies]]\nname = "all"\nresolution_seconds = 86400\n'
    for toml in ("", only_resolution):
        dashboards = _generated(tmp_path, toml)
        wall = dashboards["care-wall"]
        assert _steps(_panel(wall, "First response p50 (1 h)")) == [
            (GREEN, None), (AMBER, 900), (RED, 3600)]
        assert _steps(_panel(wall, "First response p90 (1 h)")) == [
            (GREEN, None), (AMBER, 1800), (RED, 3600)]
        assert all("(defaults" in panel["description"]
                   for panel in _panels(dashboards, FIRST_RESPONSE))


def test_a_target_at_risk_only_at_its_deadline_has_no_amber_step() -> None:
    settings = WallSettings(first_response_target_seconds=1800.0,
                            first_response_at_risk_fraction=1.0)
    wall = walls.care_wall(settings)
    assert _steps(_panel(wall, "First response p90 (1 h)")) == [(GREEN, None), (RED, 1800)]


def test_the_repositorys_wall_takes_its_thresholds_from_the_example_policies() -> None:
    """examples/carepulse.toml: targets of 900 s (at risk at 0.5), 3600 s and 3600 s
    (at 0.8): red from 3600 s, amber from 2880 s."""
    wall = _dashboard(OUT / "care-wall.json")
    for title in ("First response p50 (1 h)", "First response p90 (1 h)"):
        assert _steps(_panel(wall, title)) == [(GREEN, None), (AMBER, 2880), (RED, 3600)]


# --- Grafana's own dashboard models -------------------------------------------------------

register_default_plugins()

NOT_IN_THE_SCHEMA = {("templating", "list", "*", "definition")}
"""Keys Grafana's UI writes that its dashboard schema does not model: a query variable's
`definition` is the query as its editor shows it."""


def _unknown_keys(written: Any, parsed: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Keys and values of `written` that the model parsed from it does not give back."""
    problems = []
    if isinstance(written, dict):
        for key, value in written.items():
            if (*path, key) in NOT_IN_THE_SCHEMA:
                continue
            if not isinstance(parsed, dict) or key not in parsed:
                problems.append("/".join((*path, key)))
            else:
                problems += _unknown_keys(value, parsed[key], (*path, key))
    elif isinstance(written, list):
        if not isinstance(parsed, list) or len(parsed) != len(written):
            return ["/".join(path)]
        for item, parsed_item in zip(written, parsed, strict=True):
            problems += _unknown_keys(item, parsed_item, (*path, "*"))
    elif written != parsed:
        problems.append(f"{'/'.join(path)}: {written!r} became {parsed!r}")
    return problems


def _type_problems(value: Any, hint: Any, path: str) -> list[str]:
    """Where a parsed model holds a value its annotation does not allow (from_json keeps
    what it is given: an enum or literal spelt wrong stays a string)."""
    if value is None:
        return []
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        arms = [arm for arm in args if arm is not type(None)]
        if len(arms) > 1:  # e.g. a panel or a row: the arm the value is an instance of
            arms = [arm for arm in arms if isinstance(arm, type) and isinstance(value, arm)]
        return _type_problems(value, arms[0], path) if len(arms) == 1 else []
    if origin is typing.Literal:
        return [] if value in args else [f"{path}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        return [problem for index, item in enumerate(value)
                for problem in _type_problems(item, args[0], f"{path}[{index}]")]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        allowed = {member.value for member in hint}
        return [] if value in allowed else [f"{path}: {value!r} is not a {hint.__name__}"]
    if hint is bool and not isinstance(value, bool):
        return [f"{path}: {value!r} is not a bool"]
    if hint in (int, float) and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{path}: {value!r} is not a number"]
    if hint is str and not isinstance(value, str):
        return [f"{path}: {value!r} is not a string"]
    if isinstance(hint, type) and hint.__module__.startswith("grafana_foundation_sdk.models"):
        return _model_problems(value, path)
    return []


def _model_problems(model: Any, path: str) -> list[str]:
    if not type(model).__module__.startswith("grafana_foundation_sdk.models"):
        return []
    hints = typing.get_type_hints(type(model).__init__)
    return [problem for name, hint in hints.items() if name != "return"
            for problem in _type_problems(getattr(model, name, None), hint, f"{path}.{name}")]


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_every_dashboard_parses_into_grafanas_dashboard_model(path: Path) -> None:
    """grafana-foundation-sdk (Grafana Labs' models of Grafana 11.3, the image of
    docker-compose.yml) reads each file: every key and value written is one its models
    know and give back, every enum and literal is one of theirs, every panel type has
    its plugin model, every query is a Prometheus query."""
    written = _dashboard(path)
    model = sdk_dashboard.Dashboard.from_json(written)
    parsed = json.loads(json.dumps(model, cls=JSONEncoder))
    assert _unknown_keys(written, parsed) == []
    assert _model_problems(model, "dashboard") == []
    assert model.panels
    for panel in model.panels:
        assert isinstance(panel, sdk_dashboard.Panel)
        assert sdk_runtime.Runtime().panelcfg_config(panel.type_val) is not None, panel.title
        assert panel.targets and all(isinstance(target, sdk_prometheus.Dataquery)
                                     for target in panel.targets), panel.title
        problems = _model_problems(panel.options, f"{panel.title} options")
        assert problems == [], problems
        if panel.field_config is not None:
            custom = panel.field_config.defaults.custom
            assert _model_problems(custom, f"{panel.title} custom") == []


GRAFANA_UNITS = {value for name, value in vars(sdk_units).items()
                 if not name.startswith("_") and isinstance(value, str)}


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda path: path.stem)
def test_every_unit_is_one_grafana_knows(path: Path) -> None:
    for panel in _dashboard(path)["panels"]:
        unit = _defaults(panel)["unit"]
        assert unit in GRAFANA_UNITS or unit.startswith("prefix:"), (panel["title"], unit)


def test_grafana_has_a_unit_for_each_currency_walls_names() -> None:
    assert {f"currency{code}" for code in walls.GRAFANA_CURRENCIES} <= GRAFANA_UNITS
