"""Where the Kafka commands connect when no option says so, and how they authenticate.

Why a module: `carepulse produce` and `carepulse replay --topic` must agree with the worker
on the defaults and on security. The single source is `KafkaConfig`
(`kafka.bootstrap_servers`, `kafka.input_topic`, `kafka.partitions`, the security keys), with
the environment (CAREPULSE_BROKER, CAREPULSE_INPUT_TOPIC) overriding the file, as for the
worker. `client_security` gives the keyword arguments of kafka-python and aiokafka clients
(the two libraries use the same names); the worker hands Faust the same settings.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from streams.config import CarePulseConfig, ConfigError, KafkaConfig, with_environment

__all__ = ["client_logs_quiet", "client_security", "kafka_settings"]


def kafka_settings(
    config: CarePulseConfig | None = None, environ: Mapping[str, str] = os.environ
) -> KafkaConfig:
    """The `[kafka]` section of `config` (defaults when None) with the environment applied;
    raises ConfigError naming the variable's key when a value is invalid."""
    return with_environment(config or CarePulseConfig(), environ).kafka


def client_security(
    kafka: KafkaConfig, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """`security_protocol`, `ssl_context` (TLS, trusting `ssl_cafile` or the system's
    CAs) and the SASL arguments; empty for PLAINTEXT. The SASL password comes from the
    environment variable the configuration names, never from the file. Raises
    ConfigError naming the key when the settings cannot be used."""
    protocol = kafka.security_protocol
    if protocol == "PLAINTEXT":
        return {}
    arguments: dict[str, Any] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        cafile = kafka.ssl_cafile
        try:
            arguments["ssl_context"] = ssl.create_default_context(
                cafile=None if cafile is None else str(cafile)
            )
        except (OSError, ssl.SSLError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise ConfigError(f"kafka.ssl_cafile: cannot load {cafile}: {reason}") from error
    if protocol.startswith("SASL"):
        password = environ.get(kafka.sasl_password_env)
        if not kafka.sasl_username or password is None:
            raise ConfigError(
                f"kafka.sasl_username and the variable {kafka.sasl_password_env} "
                f"(kafka.sasl_password_env) are required with security_protocol {protocol}"
            )
        arguments |= {
            "sasl_mechanism": kafka.sasl_mechanism or "PLAIN",
            "sasl_plain_username": kafka.sasl_username,
            "sasl_plain_password": password,
        }
    return arguments


@contextmanager
def client_logs_quiet() -> Iterator[None]:
    """Without logging configured, Python prints aiokafka's errors ("Unable connect to
    ...") on stderr; the caller's own error message already says it in one line. A handler
    on aiokafka's logger suppresses that fallback yet lets records reach any handler an
    application installed on the root logger."""
    logger = logging.getLogger("aiokafka")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
