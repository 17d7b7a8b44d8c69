"""CarePulse configuration: one TOML file loaded into validated, frozen models.

base.py: what sections share; kpis.py: the sections that change the numbers;
deployment.py: [kafka], [metrics], [worker], [ingest]; model.py: the whole file
(`CarePulseConfig`, and the KPI layer's settings built from it); loading.py: the file
and the environment. The names below are the package's interface.
"""

from streams.config.base import ConfigError
from streams.config.chatwoot import ChatwootConfig, ChatwootInbox
from streams.config.deployment import (
    IngestConfig,
    KafkaConfig,
    MetricsConfig,
    TlsSection,
    WorkerConfig,
    bootstrap_servers_problem,
    port_problem,
)
from streams.config.kpis import (
    MAX_LABEL_VALUES,
    AgentsConfig,
    BrandsConfig,
    CalendarConfig,
    ChannelsConfig,
    DedupeConfig,
    LimitsConfig,
    MonthlyCosts,
    QuickRepliesConfig,
    SavingsConfig,
    SlaConfig,
    SlaMatch,
    SlaPolicy,
    TeamsConfig,
    ThresholdsConfig,
    TopicsConfig,
)
from streams.config.loading import load_config, with_environment
from streams.config.model import CarePulseConfig

__all__ = [
    "MAX_LABEL_VALUES", "AgentsConfig", "BrandsConfig", "CalendarConfig", "CarePulseConfig",
    "ChannelsConfig", "ChatwootConfig", "ChatwootInbox", "ConfigError", "DedupeConfig",
    "IngestConfig", "KafkaConfig", "LimitsConfig",
    "MetricsConfig", "MonthlyCosts", "QuickRepliesConfig", "SavingsConfig", "SlaConfig",
    "SlaMatch", "SlaPolicy", "TeamsConfig", "ThresholdsConfig", "TlsSection", "TopicsConfig",
    "WorkerConfig",
    "bootstrap_servers_problem", "load_config", "port_problem", "with_environment",
]
