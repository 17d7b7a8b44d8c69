"""Tests for the Prometheus rules and the Alertmanager example, with the real tools.

promtool (Debian package `prometheus`) checks the rule files and the scrape
configuration and runs the rule unit tests of `prometheus/tests/`; amtool (package
`prometheus-alertmanager`) checks the Alertmanager example and its routing.
`scripts/setup.sh` installs both; a missing tool fails these tests, it never skips them.
The YAML checks pin what promtool cannot: every alert is actionable, tested firing and
quiet, and uses only metrics and labels the worker exposes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest

from streams.config import MetricsConfig, load_config
from streams.metrics.catalogue import FAMILIES, GATEWAY_FAMILIES, sample_names
from streams.metrics.collector import WorkerCollector
from streams.metrics.gateway import GatewayMetrics
from streams.state.partition import PartitionState
from streams.testing.simulate import generate_lines
from tests.live.test_cardinality import Owner

if TYPE_CHECKING:
    from streams.live.worker import LiveWorker

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.yml"))
ALERTMANAGER_CONFIG = ROOT / "alertmanager" / "alertmanager.yml"

SEVERITIES = {"page", "ticket"}
ALERT_LABELS = {"severity", "service"}
# Labels the rules may group or match on: all bounded (docs/kpis.md section 8).
GROUPING_LABELS = {"channel", "brand", "topic", "quick_reply", "agent", "policy", "target",
                   "reason", "author_type", "window", "le", "route", "platform"}
# Series the worker and the gateway expose (the metric catalogue, docs/metrics.md) plus
# Prometheus' own `up`.
EXPOSED_METRICS = {"up", *(name for family in (*FAMILIES, *GATEWAY_FAMILIES)
                           for name in sample_names(family))}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not on PATH: run `bash scripts/setup.sh` (it installs the "
                    "Debian packages prometheus and prometheus-alertmanager)")
    return path


def _run(*argv: str | Path) -> str:
    """Runs a tool, fails the test with its whole output unless it exits 0."""
    result = subprocess.run([str(arg) for arg in argv], capture_output=True, text=True,
                            cwd=ROOT, timeout=120, check=False)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, argv))} exited {result.returncode}:\n{output}")
    return output


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _rules() -> list[dict[str, Any]]:
    return [rule for path in RULE_FILES for group in _load(path)["groups"]
            for rule in group["rules"]]


def _alerts() -> list[dict[str, Any]]:
    return [rule for rule in _rules() if "alert" in rule]


def _without_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def test_rule_files_are_valid() -> None:
    assert RULE_FILES
    output = _run(_tool("promtool"), "check", "rules", *RULE_FILES)
    assert "SUCCESS" in output


def test_promtool_unit_tests_pass() -> None:
    assert TEST_FILES
    output = _run(_tool("promtool"), "test", "rules", *TEST_FILES)
    assert output.count("SUCCESS") == len(TEST_FILES), output


def test_prometheus_config_is_valid() -> None:
    # Checks the rule files it names too; the alertmanager host need not resolve.
    _run(_tool("promtool"), "check", "config", PROMETHEUS / "prometheus.yml")


def test_alertmanager_config_is_valid_and_routes_by_severity() -> None:
    amtool = _tool("amtool")
    _run(amtool, "check-config", ALERTMANAGER_CONFIG)
    for severity, receiver in (("page", "care-pager"), ("ticket", "care-tickets")):
        output = _run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG}",
                      "alertname=CarePulseWorkerDown", f"severity={severity}")
        assert output.splitlines()[0] == receiver, output


@pytest.mark.parametrize("alert", _alerts(), ids=lambda rule: str(rule["alert"]))
def test_alert_is_actionable(alert: dict[str, Any]) -> None:
    assert alert["labels"]["severity"] in SEVERITIES
    assert set(alert["labels"]) <= ALERT_LABELS
    assert len(alert["annotations"]["summary"]) > 10
    assert len(alert["annotations"]["description"]) > 40


def test_every_alert_is_tested_firing_and_quiet() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in TEST_FILES:
        for case in _load(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {str(alert["alert"]) for alert in _alerts()}
    assert names - firing == set(), "alerts without a firing test case"
    assert names - quiet == set(), "alerts without a test case where they stay quiet"


def test_every_recording_rule_is_tested() -> None:
    tested = {check["expr"] for path in TEST_FILES for case in _load(path)["tests"]
              for check in case.get("promql_expr_test", [])}
    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    assert recorded - tested == set()


GATEWAY_SAMPLES = {name for family in GATEWAY_FAMILIES for name in sample_names(family)}


def rule_metric_names() -> set[str]:
    """Every `carepulse_` sample name of the worker's that an alert or recording rule
    reads (the gateway's, which `carepulse ingest` serves, left out)."""
    return {name for rule in _rules()
            for name in re.findall(r"\bcarepulse_[a-z0-9_]+\b", _without_strings(rule["expr"]))
            } - GATEWAY_SAMPLES


def test_rules_use_only_exposed_metrics_and_bounded_labels() -> None:
    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    for rule in _rules():
        expr = _without_strings(rule["expr"])
        names = set(re.findall(r"\b(?:carepulse_[a-z0-9_]+|up)\b", expr))
        assert names <= EXPOSED_METRICS, (rule.get("alert") or rule["record"], names)
        assert set(re.findall(r"\bcarepulse:[a-z0-9_:]+", expr)) <= recorded
        for clause in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
            labels = {label.strip() for label in clause.split(",") if label.strip()}
            assert labels <= GROUPING_LABELS, (rule.get("alert") or rule["record"], labels)


def test_promtool_finds_no_problem_in_a_scrape() -> None:
    """`promtool check metrics` on the exposition of a worker with every family on (the
    example configuration with agent series, seeded simulated traffic on two partitions):
    no gauge carries a suffix reserved for histograms, every counter ends in `_total`."""
    config = load_config(ROOT / "examples" / "carepulse.toml").model_copy(
        update={"metrics": MetricsConfig(agent_series=True, team_series=True)}
    )
    owner = Owner(config, owned={0, 1})
    owner.states = {partition: PartitionState(partition, config) for partition in owner.owned}
    for line in generate_lines(3_000, seed=5, bad_fraction=0.01):
        state = owner.states[len(line) % 2]
        state.apply(state.next_offset, line)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(cast("LiveWorker", owner)))
    scrape = generate_latest(registry).decode()
    exposed = {line.split("{")[0].split(" ")[0] for line in scrape.splitlines()
               if line and not line.startswith("#")}
    assert exposed <= EXPOSED_METRICS, exposed - EXPOSED_METRICS
    result = subprocess.run([_tool("promtool"), "check", "metrics"], input=scrape,
                            capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and not output.strip(), output


def test_promtool_finds_no_problem_in_the_gateways_scrape() -> None:
    """The gateway's own exposition (`carepulse ingest`): only catalogued names, each
    counter ending in `_total`, no `_created` series."""
    metrics = GatewayMetrics(["chatwoot"])
    metrics.requests.labels("/v1/events", "200").inc()
    metrics.request_bytes.labels("/v1/events").inc(512)
    metrics.ack_seconds.labels("/v1/events").observe(0.004)
    scrape = metrics.render().decode()
    exposed = {line.split("{")[0].split(" ")[0] for line in scrape.splitlines()
               if line and not line.startswith("#")}
    assert exposed == GATEWAY_SAMPLES
    result = subprocess.run([_tool("promtool"), "check", "metrics"], input=scrape,
                            capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and not output.strip(), output
