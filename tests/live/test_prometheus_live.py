"""The dashboards and recording rules against a real Prometheus scraping a live worker.

Debian's `prometheus` (installed by scripts/setup.sh) runs on a free port with a 1 s
scrape and evaluation interval, the rule files of prometheus/rules/ and the worker as its
only target. A simulated morning (30,000 events, 0.5% malformed) is produced in five
chunks while Prometheus scrapes, so every counter moves between scrapes. Then every panel
expression of every dashboard (variables at "All") and every recording rule is evaluated
through the HTTP API and must return at least one series with a finite value.

The worker reads the simulation in event time (it is dated 2026-11-02, long before the
records are produced), so its SLA clocks breach and turn at risk as the simulated morning
passes, exactly as its replay would report.
"""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from grafana.generate import OUT
from grafana.panels import ALL_VALUE
from streams.children import die_with_parent
from streams.config import load_config
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import produce_file
from streams.testing.simulate import write_file
from tests.contract.test_prometheus_rules import RULE_FILES, _rules
from tests.live.fixtures import WorkerProcess, total, worker_config

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[2]

EVENTS = 30_000
CHUNKS = 5
SCRAPES_PER_CHUNK = 2  # seconds between chunks, at a 1 s scrape interval
NAME = "walls"
# SLA policies that the simulated morning breaches and puts at risk; a social cost, so
# that savings and ROI exist.
WALL_TOML = """
[[sla.policies]]
name = "urgent"
match = { priorities = ["urgent", "high"] }
first_response_seconds = 600
next_response_seconds = 1200
resolution_seconds = 7200
at_risk_fraction = 0.5
[[sla.policies]]
name = "default"
first_response_seconds = 1800
next_response_seconds = 3600
resolution_seconds = 14400
[savings]
currency = "EUR"
alternative_cost_per_contact = 20.0
[savings.monthly]
tools = 1200.0
staff = 8000.0
"""
# The label allowlists of the example configuration (it lists what the simulator
# generates), and per-agent and per-team series on, so that every panel has series to
# show.
EXAMPLE = load_config(ROOT / "examples" / "carepulse.toml")
LABELS_TOML = "".join(
    f"[{section}]\nallowlist = {json.dumps(list(allowlist))}\n"
    for section, allowlist in (
        ("brands", EXAMPLE.brands.allowlist), ("topics", EXAMPLE.topics.allowlist),
        ("quick_replies", EXAMPLE.quick_replies.allowlist),
        ("agents", EXAMPLE.agents.allowlist), ("teams", EXAMPLE.teams.allowlist),
    )
)


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: str
    ref_id: str
    expr: str

    @property
    def id(self) -> str:
        return f"{self.dashboard}/{self.panel}/{self.ref_id}"


def _targets() -> list[Target]:
    found = []
    for path in sorted(OUT.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                found.append(Target(path.stem, panel["title"], target["refId"], target["expr"]))
    return found


def _variables() -> dict[str, str]:
    """Each variable's `label_values(...)` query, across the dashboards."""
    queries: dict[str, str] = {}
    for path in sorted(OUT.glob("*.json")):
        for variable in json.loads(path.read_text(encoding="utf-8"))["templating"]["list"]:
            assert queries.setdefault(variable["name"], variable["query"]) == variable["query"]
    return queries


def substituted(expr: str, values: dict[str, str] | None = None) -> str:
    """Every `$variable` at its value in `values`, else at "All" (as Grafana sends it)."""
    chosen = values or {}
    return re.sub(r"\$(\w+)", lambda found: chosen.get(found.group(1), ALL_VALUE), expr)


def _variable_query(name: str) -> tuple[str, str]:
    """(series selector, label) of a variable's `label_values(selector, label)`."""
    found = re.fullmatch(r"label_values\((.+), (\w+)\)", _variables()[name])
    assert found is not None, name
    selector, label = found.groups()
    return selector, label


class Prometheus:
    def __init__(self, workdir: Path, metrics_port: int) -> None:
        self.port = free_port()
        config = workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(path) for path in RULE_FILES],
            "scrape_configs": [{"job_name": "carepulse", "static_configs": [
                {"targets": [f"127.0.0.1:{metrics_port}"]}]}],
        }), encoding="utf-8")
        self.log = workdir / "prometheus.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["prometheus", f"--config.file={config}",
                 f"--storage.tsdb.path={workdir / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGKILL),  # noqa: PLW1509 (one prctl)
            )

    def get(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def wait_ready(self, timeout_seconds: float = 30) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"prometheus not ready in {timeout_seconds} s")

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = self.get("/api/v1/query", query=expr)
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class Run:
    prometheus: Prometheus
    exposed: set[str]  # sample names of the worker's last scrape


@pytest.fixture(scope="module")
def run(
    embedded_broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    if subprocess.run(["which", "prometheus"], capture_output=True, check=False).returncode:
        pytest.fail("prometheus is not on PATH: run `bash scripts/setup.sh` (Debian package)")
    workdir = tmp_path_factory.mktemp(NAME)
    port = free_port()
    config = worker_config(workdir / f"{NAME}.toml", NAME, port, WALL_TOML + LABELS_TOML,
                           metrics_toml="agent_series = true\nteam_series = true")
    worker = WorkerProcess(config, embedded_broker.url, port, workdir / "worker.log").start()
    prometheus = Prometheus(workdir, port)
    try:
        prometheus.wait_ready()
        worker.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 4)
        lines = _simulated_lines(workdir)
        chunk = math.ceil(len(lines) / CHUNKS)
        for number in range(CHUNKS):
            part = workdir / f"chunk-{number}.jsonl"
            part.write_bytes(b"".join(lines[number * chunk:(number + 1) * chunk]))
            produce_file(part, embedded_broker.url, f"{NAME}.events")
            read = min((number + 1) * chunk, len(lines))
            worker.wait_for(lambda m, read=read: total(m, "carepulse_events_read_total") == read)
            time.sleep(SCRAPES_PER_CHUNK)
        time.sleep(2)  # the last state scraped, every rule evaluated on it
        exposed = {name for name, _ in worker.scrape()}
        yield Run(prometheus, exposed)
    finally:
        prometheus.stop()
        if worker.process is not None and worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)


def _simulated_lines(workdir: Path) -> list[bytes]:
    path = workdir / "morning.jsonl"
    write_file(path, EVENTS, seed=5, bad_fraction=0.005)
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) == EVENTS
    return lines


def _finite(result: list[dict[str, Any]]) -> list[float]:
    return [float(series["value"][1]) for series in result
            if math.isfinite(float(series["value"][1]))]


@pytest.mark.parametrize("target", _targets(), ids=lambda target: target.id)
def test_every_panel_returns_a_finite_value(run: Run, target: Target) -> None:
    result = run.prometheus.query(substituted(target.expr))
    assert _finite(result), (target.id, result)


@pytest.mark.parametrize("record", sorted({rule["record"] for rule in _rules()
                                           if "record" in rule}))
def test_every_recording_rule_returns_a_finite_value(run: Run, record: str) -> None:
    result = run.prometheus.query(record)
    assert _finite(result), (record, result)


def test_every_rule_group_evaluates_without_error(run: Run) -> None:
    groups = run.prometheus.get("/api/v1/rules")["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == len(_rules()) == 31  # 29 on the worker's metrics, 2 on the gateway's
    assert [(rule["name"], rule.get("lastError")) for rule in rules
            if rule["health"] != "ok"] == []


def test_every_metric_a_panel_names_is_in_the_workers_exposition(run: Run) -> None:
    named = {name for target in _targets()
             for name in re.findall(r"\bcarepulse_\w+", target.expr)}
    assert named - run.exposed == set()


@pytest.mark.parametrize("name", sorted(_variables()))
def test_every_variable_lists_label_values(run: Run, name: str) -> None:
    selector, label = _variable_query(name)
    answer = run.prometheus.get(f"/api/v1/label/{label}/values",
                                **{"match[]": substituted(selector)})
    assert answer["status"] == "success" and answer["data"], (name, answer)


@pytest.fixture(scope="module")
def busiest(run: Run) -> dict[str, str]:
    """Each variable at its busiest named value (not `other`), the brand chosen first,
    as a care lead would pick them: a label name misspelled in a panel matches nothing
    then, where "All" (`.*`) would hide it."""
    values: dict[str, str] = {}
    for name in ("brand", "channel", "team", "agent"):
        selector, label = _variable_query(name)
        totals = {series["metric"][label]: float(series["value"][1]) for series in
                  run.prometheus.query(f"sum by ({label}) ({substituted(selector, values)})")}
        totals.pop("other", None)
        values[name] = max(totals, key=lambda value: totals[value])
        assert re.fullmatch(r"[\w-]+", values[name])  # nothing to escape in a regex
    return values


@pytest.mark.parametrize("target", _targets(), ids=lambda target: target.id)
def test_every_panel_returns_a_finite_value_for_one_brand_channel_team_and_agent(
    run: Run, busiest: dict[str, str], target: Target
) -> None:
    result = run.prometheus.query(substituted(target.expr, busiest))
    assert _finite(result), (target.id, busiest, result)


def test_the_run_breached_slas_put_clocks_at_risk_and_collected_surveys(run: Run) -> None:
    def value(expr: str) -> float:
        (series,) = run.prometheus.query(expr)
        return float(series["value"][1])

    assert value("sum(carepulse_sla_breaches_total)") > 0
    assert value("sum(carepulse_sla_met_total)") > 0
    assert value("max_over_time(sum(carepulse_sla_at_risk_conversations)[5m:1s])") > 0
    assert value('sum(carepulse_survey_responses_total{survey="csat"})') > 0
    assert value('sum(carepulse_survey_responses_total{survey="nps"})') > 0
    assert value("sum(carepulse_events_rejected_total)") == EVENTS * 0.005
