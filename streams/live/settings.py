"""Faust settings from the CarePulse configuration.

Chosen from measurements on the embedded broker (DESIGN.md): a 10 s session timeout makes
the broker answer a new member's first JoinGroup after ~5 s instead of ~30 s and lets a
surviving worker take a dead one's partitions in ~18 s; no recovery delay; Faust's web
server (which serves table contents on 0.0.0.0) stays off; at-least-once (transactions are
incomplete on the embedded broker), made exact by the worker's checkpoints.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any

import faust

from streams.config import CarePulseConfig, ConfigError, KafkaConfig

SESSION_TIMEOUT_SECONDS = 10.0
HEARTBEAT_INTERVAL_SECONDS = 2.0


def broker_urls(bootstrap_servers: str) -> list[str]:
    return [f"kafka://{server.strip()}" for server in bootstrap_servers.split(",") if server]


def credentials(
    kafka: KafkaConfig, environ: Mapping[str, str] = os.environ
) -> faust.auth.Credentials | None:
    """SASL (PLAIN or SCRAM) and/or TLS, from the `[kafka]` section; the SASL password
    comes from the environment variable the configuration names, never from the file."""
    ssl_context = None
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        ssl_context = ssl.create_default_context(
            cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None
        )
    if kafka.security_protocol.startswith("SASL"):
        password = environ.get(kafka.sasl_password_env)
        if not kafka.sasl_username or password is None:
            raise ConfigError(
                f"kafka.sasl_username and the variable {kafka.sasl_password_env} are "
                f"required with security_protocol {kafka.security_protocol}"
            )
        return faust.SASLCredentials(
            username=kafka.sasl_username, password=password, ssl_context=ssl_context,
            mechanism=kafka.sasl_mechanism or "PLAIN",
        )
    if ssl_context is not None:
        return faust.SSLCredentials(ssl_context)
    return None


def aiokafka_security(kafka: KafkaConfig) -> dict[str, Any]:
    """The credentials of `credentials` as arguments of a plain aiokafka client."""
    found = credentials(kafka)
    if isinstance(found, faust.SASLCredentials):
        return {
            "security_protocol": kafka.security_protocol,
            "sasl_mechanism": found.mechanism.value,
            "sasl_plain_username": found.username,
            "sasl_plain_password": found.password,
            "ssl_context": found.ssl_context,
        }
    if isinstance(found, faust.SSLCredentials):
        return {"security_protocol": "SSL", "ssl_context": found.context}
    return {}


def faust_settings(config: CarePulseConfig) -> dict[str, Any]:
    kafka = config.kafka
    return {
        "broker": broker_urls(kafka.bootstrap_servers),
        "broker_credentials": credentials(kafka),
        "store": "memory://",
        "datadir": str(config.worker.data_dir / kafka.app_id),
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
