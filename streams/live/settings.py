"""Faust settings from the CarePulse configuration.

Chosen from measurements on the embedded broker: it holds a new member's first JoinGroup
for about half the session timeout (60 s, Faust's default: ~30 s), and a worker killed
with SIGKILL stays the group's leader until its session expires, so the group waits that
long before it can rebalance. A 4 s session timeout (heartbeats every second) brings a
restarted single worker back in 4-10 s (20 s with 10 s). Static membership
(`group.instance.id`) would make a restart take its place back at once, but the embedded
broker never expires a dead static member: the group stalls for good. No recovery delay;
Faust's web server (which serves table contents on 0.0.0.0) stays off; at-least-once
(transactions are incomplete on the embedded broker), made exact by the worker's
checkpoints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import faust

from streams.config import CarePulseConfig, ConfigError, KafkaConfig
from streams.kafka.settings import client_security

SESSION_TIMEOUT_SECONDS = 4.0
HEARTBEAT_INTERVAL_SECONDS = 1.0


def broker_urls(bootstrap_servers: str) -> list[str]:
    return [f"kafka://{server.strip()}" for server in bootstrap_servers.split(",") if server]


def credentials(
    kafka: KafkaConfig, environ: Mapping[str, str] = os.environ
) -> faust.auth.Credentials | None:
    """Faust's form of `client_security` (SASL PLAIN or SCRAM and/or TLS)."""
    security = client_security(kafka, environ)
    ssl_context = security.get("ssl_context")
    if "sasl_mechanism" in security:
        return faust.SASLCredentials(
            username=security["sasl_plain_username"],
            password=security["sasl_plain_password"], ssl_context=ssl_context,
            mechanism=security["sasl_mechanism"],
        )
    if ssl_context is not None:
        return faust.SSLCredentials(ssl_context)
    return None


def data_dir(config: CarePulseConfig) -> Path:
    """The app's directory under `[worker] data_dir`, created (Faust creates only the
    last level); ConfigError naming the key when it cannot be."""
    path = config.worker.data_dir / config.kafka.app_id
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"worker.data_dir: cannot create {path}: {error.strerror}") from error
    return path


def faust_settings(config: CarePulseConfig) -> dict[str, Any]:
    kafka = config.kafka
    return {
        "broker": broker_urls(kafka.bootstrap_servers),
        "broker_credentials": credentials(kafka),
        "store": "memory://",
        "datadir": str(data_dir(config)),
        "processing_guarantee": "at_least_once",
        "web_enabled": False,
        "broker_session_timeout": SESSION_TIMEOUT_SECONDS,
        "broker_heartbeat_interval": HEARTBEAT_INTERVAL_SECONDS,
        "stream_recovery_delay": 0.0,
        "table_standby_replicas": 0,
        "topic_partitions": kafka.partitions,
        "consumer_auto_offset_reset": "earliest",
        "broker_commit_interval": 1.0,
        # Events are acked only when a checkpoint covers them; waiting for every
        # buffered event to be acked would stall a shutdown or rebalance until the next
        # checkpoint. Restarts skip what the last checkpoint covers, so nothing counts twice.
        "stream_wait_empty": False,
    }
