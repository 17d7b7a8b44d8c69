"""The deployment sections: where the worker and the Kafka commands connect and how
(`[kafka]`), where `/metrics` is served and how it is protected (`[metrics]`), how
the live worker checkpoints (`[worker]`), and where the HTTP gateway listens
(`[ingest]`). None of them changes a number, except `[worker] resolved_grace_seconds`
(when a resolved conversation is closed for good) and `late_event_tolerance_seconds`
(when the worker and `replay --topic` forget it), which the replay follows too (model.py
hands them to the KPI layer)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, Strict, model_validator

from streams.config.base import KeyPathError, PositiveSeconds, Score, Seconds, Section

MAX_TCP_PORT = 65535


def port_problem(port: int) -> str | None:
    """Why `port` is not a TCP port one can listen on or connect to, or None."""
    return None if 1 <= port <= MAX_TCP_PORT else f"{port} is not a TCP port (1..{MAX_TCP_PORT})"


def bootstrap_servers_problem(servers: str) -> str | None:
    """Why `servers` ("host:port[,host:port]") cannot be used by a Kafka client, or None.
    A host without a port is allowed (the clients take 9092)."""
    entries = [entry.strip() for entry in servers.split(",")]
    if not any(entries):
        return "no host:port given"
    for entry in entries:
        if not entry:
            continue
        host, colon, port = entry.rpartition(":")
        if not colon or entry.endswith("]"):  # no port; "[::1]" is an IPv6 host
            continue
        if not host:
            return f"{entry!r} has no host"
        if not (port.isascii() and port.isdigit()) or port_problem(int(port)) is not None:
            return f"{entry!r}: port {port!r} is not a TCP port (1..{MAX_TCP_PORT})"
    return None


def _valid_port(port: int) -> int:
    problem = port_problem(port)
    if problem is not None:
        raise ValueError(problem)
    return port


def _valid_bootstrap_servers(servers: str) -> str:
    problem = bootstrap_servers_problem(servers)
    if problem is not None:
        raise ValueError(problem)
    return servers


Port = Annotated[int, Strict(), AfterValidator(_valid_port)]
BootstrapServers = Annotated[str, AfterValidator(_valid_bootstrap_servers)]


class KafkaConfig(Section):
    """Where the events come from and where rejections and alerts go. The environment
    overrides the file: CAREPULSE_BROKER, CAREPULSE_INPUT_TOPIC, CAREPULSE_DLQ_TOPIC."""

    bootstrap_servers: BootstrapServers = "127.0.0.1:9092"
    input_topic: str = "care.events"
    dlq_topic: str = "care.events.dlq"
    alerts_topic: str = "care.alerts"
    partitions: Score = Field(4, ge=1, le=1024)
    app_id: str = Field("carepulse", pattern=r"^[A-Za-z0-9._-]+$")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password_env: str = Field(
        "CAREPULSE_SASL_PASSWORD", description="name of the variable holding the password"
    )
    ssl_cafile: Path | None = None


class TlsSection(Section):
    """An HTTP server's optional TLS: `tls = true` serves HTTPS with `tls_certfile` and
    `tls_keyfile` (PEM). `[metrics]` and `[ingest]` take these keys."""

    tls: Annotated[bool, Strict()] = False
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None

    @model_validator(mode="after")
    def _tls_files(self) -> TlsSection:
        if self.tls and (self.tls_certfile is None or self.tls_keyfile is None):
            missing = "tls_certfile" if self.tls_certfile is None else "tls_keyfile"
            raise KeyPathError(f"{self.section_name()}.{missing}", "required with tls = true")
        return self

    @classmethod
    def section_name(cls) -> str:
        return cls.__name__.removesuffix("Config").lower()


class MetricsConfig(TlsSection):
    """Where `/metrics` is served, and how it is protected: `auth = "basic"` asks for
    `basic_auth_username` and the password held by the environment variable named
    `basic_auth_password_env` (never the file); `tls = true` serves HTTPS with
    `tls_certfile` and `tls_keyfile` (PEM). `agent_series` adds the per-agent families,
    `team_series` the per-team families (both opt-in, by the allowlists of `[agents]`
    and `[teams]`)."""

    host: str = "127.0.0.1"
    port: Port = 9108
    auth: Literal["none", "basic"] = "none"
    basic_auth_username: str = Field("prometheus", min_length=1)
    basic_auth_password_env: str = Field("CAREPULSE_METRICS_PASSWORD", min_length=1)
    agent_series: Annotated[bool, Strict()] = False
    team_series: Annotated[bool, Strict()] = False


class IngestConfig(TlsSection):
    """`carepulse ingest`, the HTTP gateway: where it listens (`CAREPULSE_INGEST_HOST`,
    `CAREPULSE_INGEST_PORT` override), its limits, how long it waits for the broker's
    acknowledgement before it answers 503, and the raw topic of each help desk
    (`<raw_topic_prefix><platform>`). The bearer tokens of `/v1/events` come from the
    variable `CAREPULSE_INGEST_TOKEN` and a help desk's webhook secret from
    `CAREPULSE_<PLATFORM>_SECRET`, never from the file. `tls = true` serves HTTPS with
    `tls_certfile` and `tls_keyfile` (PEM)."""

    host: str = "127.0.0.1"
    port: Port = 8088
    max_body_bytes: Score = Field(1_048_576, ge=1024, le=64 * 1_048_576)
    max_events_per_request: Score = Field(1000, ge=1, le=100_000)
    ack_timeout_seconds: Annotated[float, Strict()] = Field(5.0, gt=0, le=120)
    raw_topic_prefix: str = Field("care.raw.", pattern=r"^[A-Za-z0-9._-]*$")


class WorkerConfig(Section):
    """How often hot state is checkpointed to the changelog topic: after this many
    events or this many seconds, whichever comes first. A partition whose newest record
    was produced more than `backfill_delay_seconds` after its newest event time replays
    history: its SLA clocks follow event time even once it is caught up.

    A resolved conversation is closed for good by an event of it occurring
    `resolved_grace_seconds` after its last event time: that event finds an unknown
    conversation (docs/kpis.md section 1). The worker (and `replay --topic`, so both agree)
    forgets it once its partition's newest event time has passed its last event time by
    `resolved_grace_seconds` + `late_event_tolerance_seconds`: an event arriving later
    than that behind its partition's newest one finds an unknown conversation too (end of
    docs/kpis.md section 8). `data_dir` is Faust's working directory (default:
    `carepulse/` in the system's temporary directory, never the working directory)."""

    checkpoint_events: Score = Field(5000, ge=1, le=1_000_000)
    checkpoint_seconds: Annotated[float, Strict()] = Field(1.0, gt=0, le=60)
    backfill_delay_seconds: Annotated[float, Strict()] = Field(3600.0, gt=0)
    resolved_grace_seconds: PositiveSeconds = 7 * 86_400.0
    late_event_tolerance_seconds: Seconds = 86_400.0
    data_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()) / "carepulse")
