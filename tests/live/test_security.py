"""`/metrics` behind basic auth and TLS, and Kafka SASL/SCRAM and TLS settings handed to
Faust and to the produce and replay clients."""

from __future__ import annotations

import base64
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from streams.cli.main import main
from streams.config import ConfigError, load_config
from streams.kafka.settings import client_security
from streams.live.settings import faust_settings
from streams.metrics.http_security import metrics_security
from streams.testing import Scenario
from tests.live.fixtures import WorkerProcess

PASSWORD = "s3cret-value"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, by the openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=carepulse-test",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def sasl_config(path: Path, cafile: Path) -> Path:
    path.write_text(
        '[kafka]\nsecurity_protocol = "SASL_SSL"\nsasl_mechanism = "SCRAM-SHA-512"\n'
        'sasl_username = "carepulse"\nsasl_password_env = "TEST_KAFKA_PASSWORD"\n'
        f'ssl_cafile = "{cafile}"\n',
        encoding="utf-8",
    )
    return path


def trusted_subjects(context: ssl.SSLContext) -> list[str]:
    return [dict(pair[0] for pair in cert["subject"])["commonName"]
            for cert in context.get_ca_certs()]


# --- Kafka ---------------------------------------------------------------------------


def test_sasl_scram_over_tls_reaches_faust_and_the_plain_clients_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, _ = self_signed(tmp_path)
    config = load_config(sasl_config(tmp_path / "sasl.toml", cert))
    monkeypatch.setenv("TEST_KAFKA_PASSWORD", PASSWORD)

    clients = client_security(config.kafka)
    context = clients.pop("ssl_context")
    assert clients == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "carepulse", "sasl_plain_password": PASSWORD,
    }
    assert trusted_subjects(context) == ["carepulse-test"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname

    faust_auth = dict(credentials_to_aiokafka_auth(faust_settings(config)["broker_credentials"]))
    assert trusted_subjects(faust_auth.pop("ssl_context")) == ["carepulse-test"]
    assert faust_auth == clients


def test_kafka_security_errors_name_the_key_and_never_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(sasl_config(tmp_path / "sasl.toml", tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match=r"^kafka\.ssl_cafile: cannot load .*missing\.pem"):
        client_security(config.kafka, {"TEST_KAFKA_PASSWORD": PASSWORD})
    cert, _ = self_signed(tmp_path)
    config = load_config(sasl_config(tmp_path / "sasl.toml", cert))
    with pytest.raises(ConfigError, match=r"TEST_KAFKA_PASSWORD \(kafka\.sasl_password_env\)"):
        client_security(config.kafka, {})


class TlsListener(threading.Thread):
    """A TLS server with the test certificate that counts completed handshakes and then
    hangs up: a client completes one only if it speaks TLS and trusts `ssl_cafile`."""

    def __init__(self, cert: Path, key: Path) -> None:
        super().__init__(daemon=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.context = context
        self.handshakes = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            with contextlib.suppress(OSError), self.context.wrap_socket(conn, server_side=True):
                self.handshakes += 1
        self.sock.close()


@pytest.mark.parametrize("command", ["produce", "replay"])
def test_produce_and_replay_connect_with_the_configured_tls_and_sasl(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cert, key = self_signed(tmp_path)
    config = sasl_config(tmp_path / "sasl.toml", cert)
    monkeypatch.setenv("TEST_KAFKA_PASSWORD", PASSWORD)
    events = tmp_path / "events.jsonl"
    s = Scenario()
    s.message("10:00")
    events.write_bytes(b"\n".join(s.lines()) + b"\n")
    listener = TlsListener(cert, key)
    listener.start()
    source = ["--input", events] if command == "produce" else ["--topic", "tls.events"]
    try:
        code = main([str(arg) for arg in [command, *source, "--broker", listener.url,
                                          "--config", config]])
    finally:
        listener.stopped.set()
        listener.join()
    err = capsys.readouterr().err
    assert listener.handshakes >= 1
    assert code == 2
    assert f"carepulse {command}: error: broker {listener.url}" in err
    assert PASSWORD not in err


# --- /metrics --------------------------------------------------------------------------


def metrics_toml(path: Path, name: str, cert: Path, key: Path) -> Path:
    path.write_text(
        f'[kafka]\napp_id = "{name}"\ninput_topic = "{name}.events"\n'
        f'dlq_topic = "{name}.dlq"\nalerts_topic = "{name}.alerts"\npartitions = 4\n'
        '[metrics]\nauth = "basic"\nbasic_auth_username = "prom"\n'
        'basic_auth_password_env = "TEST_METRICS_PASSWORD"\n'
        f'tls = true\ntls_certfile = "{cert}"\ntls_keyfile = "{key}"\n',
        encoding="utf-8",
    )
    return path


def get_status(url: str, context: ssl.SSLContext | None, user: str | None,
               password: str = PASSWORD) -> int:
    request = urllib.request.Request(url)
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def test_metrics_over_tls_answer_only_the_right_credentials(
    tmp_path: Path, start_worker: Callable[..., WorkerProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = self_signed(tmp_path)
    metrics_toml(tmp_path / "guarded.toml", "guarded", cert, key)
    monkeypatch.setenv("TEST_METRICS_PASSWORD", PASSWORD)
    worker = start_worker("guarded")
    url = f"https://127.0.0.1:{worker.metrics_port}/metrics"
    trusting = ssl.create_default_context(cafile=str(cert))
    deadline = time.monotonic() + 90
    status = 0
    while status != 200 and time.monotonic() < deadline:
        assert worker.process is not None and worker.process.poll() is None
        try:
            status = get_status(url, trusting, "prom")
        except OSError:
            time.sleep(0.25)
    assert status == 200
    assert get_status(url, trusting, None) == 401
    assert get_status(url, trusting, "prom", "wrong") == 401
    assert get_status(url, trusting, "other") == 401
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        get_status(url, ssl.create_default_context(), "prom")  # the system CAs only
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        get_status(url.replace("https:", "http:"), None, "prom")  # no plain HTTP
    assert PASSWORD not in worker.log.read_text()
    assert worker.stop() == 0


def test_metrics_security_errors_name_the_key(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    config = load_config(metrics_toml(tmp_path / "m.toml", "m", cert, key))
    with pytest.raises(ConfigError, match=r"^metrics\.basic_auth_password_env: the variable "
                                          r"TEST_METRICS_PASSWORD is not set"):
        metrics_security(config.metrics, {})
    assert metrics_security(config.metrics, {"TEST_METRICS_PASSWORD": PASSWORD}).scheme == (
        "https"
    )
    swapped = load_config(metrics_toml(tmp_path / "s.toml", "s", key, cert))
    with pytest.raises(ConfigError, match=r"^metrics\.tls_certfile: cannot load"):
        metrics_security(swapped.metrics, {"TEST_METRICS_PASSWORD": PASSWORD})
    path = tmp_path / "no-key.toml"
    path.write_text(f'[metrics]\ntls = true\ntls_certfile = "{cert}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no-key\.toml: metrics\.tls_keyfile: required"):
        load_config(path)


def test_the_commented_secure_scrape_job_is_a_valid_prometheus_config(tmp_path: Path) -> None:
    """Uncommented, the basic-auth and TLS lines of prometheus/prometheus.yml pass
    `promtool check config` (with the files they name in place)."""
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "prometheus", tmp_path / "prometheus")
    config = tmp_path / "prometheus" / "prometheus.yml"
    cert, _ = self_signed(tmp_path)
    password = tmp_path / "password"
    password.write_text(PASSWORD, encoding="utf-8")
    lines = config.read_text(encoding="utf-8").splitlines()
    start = lines.index("    # scheme: https")
    text = "\n".join(lines[:start] + [line.replace("    # ", "    ", 1)
                                      for line in lines[start:]]) + "\n"
    text = text.replace("/etc/prometheus/carepulse-password", str(password))
    text = text.replace("/etc/prometheus/carepulse-ca.pem", str(cert))
    config.write_text(text, encoding="utf-8")
    job = yaml.safe_load(text)["scrape_configs"][0]
    assert job["scheme"] == "https"
    assert job["basic_auth"] == {"username": "prometheus", "password_file": str(password)}
    assert job["tls_config"]["ca_file"] == str(cert)
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool missing: scripts/setup.sh installs it"
    checked = subprocess.run([promtool, "check", "config", str(config)],
                             check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
