"""docker-compose.yml, parsed and cross-checked (no Docker engine here or in CI: the file
is never started by a test).

Every mounted file exists; services that run keep running (health check, restart policy)
and start in order; Kafka is KRaft on a volume; every topic, port and address agrees with
the configuration defaults, the mounted worker configuration, prometheus/prometheus.yml,
the Grafana provisioning and grafana.ini.
"""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from streams.config import CarePulseConfig, load_config, with_environment

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = {"kafka", "worker", "ingest", "prometheus", "alertmanager", "grafana"}
ONE_SHOT = {"topics", "simulator"}
# The worker declares its DLQ and alerts topics with one partition (streams/live/worker.py).
SIDE_TOPIC_PARTITIONS = 1


def _interpolate(value: Any) -> Any:
    """Compose's interpolation with an empty environment: `${VAR:-default}` is the
    default, `$$` a literal `$`."""
    if isinstance(value, str):
        text = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
        assert not re.search(r"(?<!\$)\$\{", text), f"variable without a default: {value}"
        return text.replace("$$", "$")
    if isinstance(value, list):
        return [_interpolate(item) for item in value]
    if isinstance(value, dict):
        return {key: _interpolate(item) for key, item in value.items()}
    return value


COMPOSE: dict[str, Any] = _interpolate(
    yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
)
SERVICES: dict[str, Any] = COMPOSE["services"]


def _env(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in SERVICES[service].get("environment", {}).items()}


def _mounts(service: str) -> dict[str, str]:
    """Container path -> source (a host path relative to the compose file, or a volume)."""
    mounts = {}
    for volume in SERVICES[service].get("volumes", []):
        source, target, *_ = volume.split(":")
        mounts[target] = source
    return mounts


def _host_path(service: str, container_path: str) -> Path:
    """The host file a service sees at `container_path`, through its bind mounts."""
    for target, source in _mounts(service).items():
        if source.startswith(".") and (container_path + "/").startswith(target.rstrip("/") + "/"):
            return ROOT / source / Path(container_path).relative_to(target)
    raise AssertionError(f"{service} mounts nothing at {container_path}")


def _published(service: str) -> dict[int, str]:
    """Container port -> `address:host port` as published."""
    published = {}
    for mapping in SERVICES[service].get("ports", []):
        *host, container = str(mapping).split(":")
        published[int(container)] = ":".join(host)
    return published


def _listeners(variable: str) -> dict[str, str]:
    return dict(item.split("://") for item in _env("kafka")[variable].split(","))


def _worker_config() -> CarePulseConfig:
    """What the worker container runs with: the mounted file, then its environment."""
    command = _dockerfile_command()
    config_path = command[command.index("--config") + 1]
    return with_environment(load_config(_host_path("worker", config_path)), _env("worker"))


def _ingest_config() -> CarePulseConfig:
    """What the gateway container runs with: its command's file, then its environment."""
    command = SERVICES["ingest"]["command"]
    config_path = command[command.index("--config") + 1]
    return with_environment(load_config(_host_path("ingest", config_path)), _env("ingest"))


def _dockerfile_command() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    found = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert found is not None
    command: list[str] = json.loads(found.group(1))
    return command


def _created_topics() -> dict[str, int]:
    script = SERVICES["topics"]["command"][0]
    specs = re.search(r"for spec in ([^;]+); do", script)
    assert specs is not None and "--partitions" in script and "--if-not-exists" in script
    return {topic: int(count) for topic, count in
            (spec.split(":") for spec in specs.group(1).split())}


def test_every_mounted_file_exists_and_every_volume_is_declared() -> None:
    bind_mounts = 0
    for name in SERVICES:
        for target, source in _mounts(name).items():
            assert target.startswith("/"), (name, target)
            if source.startswith("."):
                assert (ROOT / source).exists(), (name, source)
                bind_mounts += 1
            else:
                assert source in COMPOSE["volumes"], (name, source)
    assert bind_mounts == 8  # worker 1, ingest 1, prometheus 2, alertmanager 1, grafana 3


def test_the_image_is_built_from_files_that_exist_and_are_not_ignored() -> None:
    assert SERVICES["worker"]["build"] == "." and SERVICES["simulator"]["build"] == "."
    assert SERVICES["worker"]["image"] == SERVICES["simulator"]["image"] == (
        SERVICES["ingest"]["image"])
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    allowed = {line[1:].rstrip("/") for line in
               (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
               if line.startswith("!")}
    copied = [source for line in re.findall(r"^COPY (.+)$", dockerfile, re.MULTILINE)
              for source in line.split()[:-1]]
    assert set(copied) == allowed == {"pyproject.toml", "README.md", "schemas", "streams"}
    for source in copied:
        assert (ROOT / source).exists(), source


def test_services_keep_running_and_start_in_order() -> None:
    assert set(SERVICES) == LONG_RUNNING | ONE_SHOT
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
        assert SERVICES[name]["healthcheck"]["test"][0] == "CMD", name
    for name in ONE_SHOT:
        assert SERVICES[name]["restart"] == "no", name
    for name, service in SERVICES.items():
        for dependency, condition in service.get("depends_on", {}).items():
            wanted = condition["condition"]
            if wanted == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], (name, dependency)
            else:
                assert (wanted, dependency in ONE_SHOT) == ("service_completed_successfully",
                                                            True), (name, dependency)
    assert SERVICES["simulator"]["profiles"] == ["demo"]
    assert all("profiles" not in SERVICES[name] for name in set(SERVICES) - {"simulator"})


def test_kafka_runs_kraft_on_one_node_with_its_data_on_a_volume() -> None:
    env = _env("kafka")
    listeners = _listeners("KAFKA_LISTENERS")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    controller_port = listeners[env["KAFKA_CONTROLLER_LISTENER_NAMES"]].lstrip(":")
    voter = f"{env['KAFKA_NODE_ID']}@kafka:{controller_port}"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voter
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in listeners
    assert set(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].replace(":PLAINTEXT", "").split(",")) \
        == set(listeners)
    data_source = _mounts("kafka")[env["KAFKA_LOG_DIRS"]]
    assert data_source in COMPOSE["volumes"]
    assert all(value == "1" for key, value in env.items() if key.endswith("REPLICATION_FACTOR"))


def test_producers_and_workers_reach_kafka_at_the_addresses_it_advertises() -> None:
    advertised = _listeners("KAFKA_ADVERTISED_LISTENERS")
    listeners = _listeners("KAFKA_LISTENERS")
    # producers on the host: the configuration's default bootstrap server
    default_server = CarePulseConfig().kafka.bootstrap_servers
    assert advertised["HOST"] == default_server == "127.0.0.1:9092"
    host, port = default_server.split(":")
    assert listeners["HOST"] == f":{port}"
    assert _published("kafka") == {int(port): f"{host}:{port}"}
    # containers: the internal listener
    internal = advertised["INTERNAL"]
    assert listeners["INTERNAL"] == ":" + internal.split(":")[1]
    assert _worker_config().kafka.bootstrap_servers == internal
    assert _env("simulator")["CAREPULSE_BROKER"] == internal
    assert internal in SERVICES["kafka"]["healthcheck"]["test"]
    assert f"--bootstrap-server {internal}" in SERVICES["topics"]["command"][0]


def test_the_topics_created_are_the_configured_ones() -> None:
    created = _created_topics()
    for kafka in (CarePulseConfig().kafka, _worker_config().kafka):
        assert created == {kafka.input_topic: kafka.partitions,
                           kafka.dlq_topic: SIDE_TOPIC_PARTITIONS,
                           kafka.alerts_topic: SIDE_TOPIC_PARTITIONS}
    assert created == {"care.events": 4, "care.events.dlq": 1, "care.alerts": 1}
    script = SERVICES["simulator"]["command"][0]
    topic = re.search(r"carepulse produce .*--topic (\S+)", script)
    assert topic is not None and topic.group(1) == CarePulseConfig().kafka.input_topic


def test_prometheus_scrapes_the_worker_port_and_loads_the_mounted_rules() -> None:
    config_path = "/etc/prometheus/prometheus.yml"
    assert f"--config.file={config_path}" in SERVICES["prometheus"]["command"]
    config = yaml.safe_load(_host_path("prometheus", config_path).read_text(encoding="utf-8"))
    for rule_file in config["rule_files"]:
        assert _host_path("prometheus", f"/etc/prometheus/{rule_file}").is_file(), rule_file
    job, ingest_job = config["scrape_configs"]
    (ingest_discovery,) = ingest_job["dns_sd_configs"]
    assert ingest_discovery["names"] == ["ingest"]
    assert ingest_discovery["port"] == _ingest_config().ingest.port
    (discovery,) = job["dns_sd_configs"]
    metrics_port = CarePulseConfig().metrics.port
    assert discovery["names"] == ["worker"] and discovery["port"] == metrics_port == 9108
    assert _worker_config().metrics.port == metrics_port
    assert _worker_config().metrics.host == "0.0.0.0"
    assert SERVICES["worker"]["expose"] == [str(metrics_port)]
    health = " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert f"127.0.0.1:{metrics_port}/metrics" in health
    (alertmanager,) = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    name, port = alertmanager.split(":")
    assert name in SERVICES and int(port) in _published(name)
    assert _published("prometheus") == {9090: "127.0.0.1:9090"}
    assert "9090/-/ready" in SERVICES["prometheus"]["healthcheck"]["test"][-1]
    assert f"{port}/-/ready" in SERVICES["alertmanager"]["healthcheck"]["test"][-1]
    assert _host_path("alertmanager", "/etc/alertmanager/alertmanager.yml").is_file()


def test_grafana_is_provisioned_from_the_mounted_files() -> None:
    ini = configparser.ConfigParser()
    ini.read(_host_path("grafana", "/etc/grafana/grafana.ini"), encoding="utf-8")
    http_port = ini.getint("server", "http_port")
    assert _published("grafana") == {http_port: str(http_port)}
    assert ini.getboolean("auth.anonymous", "enabled")
    assert ini.get("auth.anonymous", "org_role") == "Viewer"
    home = _host_path("grafana", ini.get("dashboards", "default_home_dashboard_path"))
    assert json.loads(home.read_text(encoding="utf-8"))["uid"] == "carepulse-care-wall"
    provisioning = "/etc/grafana/provisioning"
    (source,) = yaml.safe_load(_host_path(
        "grafana", f"{provisioning}/datasources/prometheus.yml").read_text())["datasources"]
    url = urlsplit(source["url"])
    assert url.hostname in SERVICES and url.port in _published(str(url.hostname))
    (provider,) = yaml.safe_load(_host_path(
        "grafana", f"{provisioning}/dashboards/carepulse.yml").read_text())["providers"]
    dashboards = _host_path("grafana", provider["options"]["path"])
    assert dashboards == ROOT / "grafana" / "dashboards"
    assert len(list(dashboards.glob("*.json"))) == 5
    assert f"{http_port}/api/health" in SERVICES["grafana"]["healthcheck"]["test"][-1]


@pytest.mark.parametrize("name", sorted(LONG_RUNNING - {"worker", "ingest"}))
def test_third_party_images_are_pinned(name: str) -> None:
    image = SERVICES[name]["image"]
    assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", image), image


def test_the_simulator_sends_its_events_dated_now_at_a_live_rate() -> None:
    """The simulation's timestamps are hours apart; sent as they are at 50 events/s, the
    wall's event-time windows would fill in minutes. `--live` dates each event as it is
    sent, so the 1 h window holds an hour of sending."""
    script = SERVICES["simulator"]["command"][0]
    produce = re.search(r"^\s*carepulse produce (.*)$", script, re.MULTILINE)
    assert produce is not None
    options = produce.group(1).split()
    assert "--live" in options
    assert float(options[options.index("--rate") + 1]) > 0


def test_the_dockerfile_says_where_faust_works_as_the_code_does() -> None:
    """Faust's working directory is `[worker] data_dir` (docs/configuration.md), never the
    image's working directory, and the worker keeps no Faust table there."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    comments = " ".join(line.lstrip("# ").strip() for line in text.splitlines()
                        if line.startswith("#"))
    about_faust = [sentence for sentence in re.split(r"(?<=[.;])\s+", comments)
                   if "Faust" in sentence]
    assert about_faust, "the Dockerfile says nothing about Faust's directory"
    assert any("data_dir" in sentence for sentence in about_faust), about_faust
    assert not any(re.search(r"\b(keeps|stores)\b.*\bin the working directory", sentence)
                   for sentence in about_faust), about_faust
    workdir = re.findall(r"^WORKDIR (\S+)$", text, re.MULTILINE)[-1]
    data_dir = _worker_config().worker.data_dir
    assert data_dir.is_absolute() and not data_dir.is_relative_to(workdir)


def test_the_gateway_listens_where_it_is_published_and_checked_and_reaches_kafka() -> None:
    assert SERVICES["ingest"]["command"][0] == "ingest"
    config = _ingest_config()
    port = config.ingest.port
    assert (config.ingest.host, port) == ("0.0.0.0", CarePulseConfig().ingest.port)
    assert _published("ingest") == {port: f"127.0.0.1:{port}"}
    assert f"127.0.0.1:{port}/healthz" in " ".join(SERVICES["ingest"]["healthcheck"]["test"])
    assert config.kafka.bootstrap_servers == _listeners("KAFKA_ADVERTISED_LISTENERS")["INTERNAL"]
    assert config.kafka.input_topic in _created_topics()
    secrets = {"CAREPULSE_INGEST_TOKEN", "CAREPULSE_CHATWOOT_SECRET",
               "CAREPULSE_CHATWOOT_CUSTOMER_KEY"}
    assert secrets <= set(_env("ingest"))
    assert all(_env("ingest")[variable] == "" for variable in secrets)  # from .env, never here
