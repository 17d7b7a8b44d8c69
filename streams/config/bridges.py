"""The settings of each help desk's mapping (streams/bridge): built by the configuration
section named like the platform (`[chatwoot]`), through its `bridge_settings`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streams.config.base import ConfigError
from streams.config.model import CarePulseConfig


def bridge_settings(
    config: CarePulseConfig, names: Iterable[str], environ: Mapping[str, str]
) -> dict[str, Any]:
    """Platform name -> the plain settings of its mapping; ConfigError (one line, naming
    the variable or key) when a mapping cannot run."""
    settings: dict[str, Any] = {}
    for name in names:
        section = getattr(config, name, None)
        if section is None or not hasattr(section, "bridge_settings"):
            raise ConfigError(f"the help desk {name!r} has no [{name}] configuration section")
        settings[name] = section.bridge_settings(environ)
    return settings
