"""CarePulse configuration: one TOML file loaded into validated, frozen models."""

from streams.config.model import (
    MAX_LABEL_VALUES,
    AgentsConfig,
    BrandsConfig,
    CalendarConfig,
    CarePulseConfig,
    ChannelsConfig,
    ConfigError,
    DedupeConfig,
    KafkaConfig,
    LimitsConfig,
    MetricsConfig,
    MonthlyCosts,
    QuickRepliesConfig,
    SavingsConfig,
    SlaConfig,
    SlaMatch,
    SlaPolicy,
    ThresholdsConfig,
    TopicsConfig,
    WorkerConfig,
    bootstrap_servers_problem,
    load_config,
    port_problem,
    with_environment,
)

__all__ = [
    "MAX_LABEL_VALUES", "AgentsConfig", "BrandsConfig", "CalendarConfig", "CarePulseConfig",
    "ChannelsConfig", "ConfigError", "DedupeConfig", "KafkaConfig", "LimitsConfig",
    "MetricsConfig", "MonthlyCosts", "QuickRepliesConfig", "SavingsConfig", "SlaConfig",
    "SlaMatch", "SlaPolicy", "ThresholdsConfig", "TopicsConfig", "WorkerConfig",
    "bootstrap_servers_problem", "load_config", "port_problem", "with_environment",
]
