"""Where the Kafka commands connect when no option says so.

Why a module: `carepulse produce` has no configuration file and `carepulse replay --topic`
may have one, yet both must agree with the worker on the defaults. The single source is
`KafkaConfig` (`kafka.bootstrap_servers`, `kafka.input_topic`, `kafka.partitions`), with the
environment (CAREPULSE_BROKER, CAREPULSE_INPUT_TOPIC) overriding the file, as for the worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from streams.config import CarePulseConfig, KafkaConfig, with_environment

__all__ = ["kafka_settings"]


def kafka_settings(
    config: CarePulseConfig | None = None, environ: Mapping[str, str] = os.environ
) -> KafkaConfig:
    """The `[kafka]` section of `config` (defaults when None) with the environment applied;
    raises ConfigError naming the variable's key when a value is invalid."""
    return with_environment(config or CarePulseConfig(), environ).kafka
