"""Loading the configuration: the TOML file, the environment over it, and error messages
that name the file (or variable), the key and the reason."""

from __future__ import annotations

import difflib
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from schemas.rejections import field_path
from streams.config.base import ConfigError, KeyPathError
from streams.config.model import CarePulseConfig

_ENVIRONMENT_KEYS = {
    "CAREPULSE_BROKER": ("kafka", "bootstrap_servers"),
    "CAREPULSE_INPUT_TOPIC": ("kafka", "input_topic"),
    "CAREPULSE_DLQ_TOPIC": ("kafka", "dlq_topic"),
    "CAREPULSE_ALERTS_TOPIC": ("kafka", "alerts_topic"),
    "CAREPULSE_METRICS_HOST": ("metrics", "host"),
    "CAREPULSE_METRICS_PORT": ("metrics", "port"),
    "CAREPULSE_INGEST_HOST": ("ingest", "host"),
    "CAREPULSE_INGEST_PORT": ("ingest", "port"),
}


_ENVIRONMENT_VARIABLES = {
    f"{section}.{key}": variable for variable, (section, key) in _ENVIRONMENT_KEYS.items()
}


def with_environment(config: CarePulseConfig, environ: Mapping[str, str]) -> CarePulseConfig:
    """The environment overrides the file (twelve-factor deployments set no file). An
    invalid value is a ConfigError naming the variable, its value and the key it sets."""
    sections: dict[str, dict[str, Any]] = {}
    for variable, (section, key) in _ENVIRONMENT_KEYS.items():
        if variable in environ:
            sections.setdefault(section, {})[key] = environ[variable]
    if not sections:
        return config
    data = config.model_dump()
    for section, values in sections.items():
        data[section].update(values)
    try:
        return CarePulseConfig.model_validate(data, strict=False)
    except ValidationError as error:
        key, reason = _describe(error)
        culprit = _ENVIRONMENT_VARIABLES.get(key)
        if culprit is None:  # not one value's fault: how they combine
            raise ConfigError(f"environment: {key or '(top level)'}: {reason}") from error
        raise ConfigError(
            f"{culprit}={shlex.quote(environ[culprit])}: {key}: {reason}"
        ) from error


def load_config(path: str | Path | None) -> CarePulseConfig:
    """The defaults when `path` is None; raises ConfigError naming file, key and reason."""
    if path is None:
        return CarePulseConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    try:
        return CarePulseConfig.model_validate(data)
    except ValidationError as error:
        key, reason = _describe(error)
        raise ConfigError(f"{path}: {key}: {reason}" if key else f"{path}: {reason}") from error


def _describe(error: ValidationError) -> tuple[str, str]:
    """The key path ("" for the top level) and the reason of the first error. An unknown
    key is named in the reason, under the section that does not know it, with the known
    key it most resembles (or the known keys)."""
    first = error.errors(include_url=False, include_input=False)[0]
    loc = tuple(first["loc"])
    if loc and loc[-1] == "[key]":  # pydantic's marker for a bad dict key
        loc = loc[:-1]
    if first["type"] == "extra_forbidden" and loc:
        return field_path(loc[:-1]), _unknown_key(str(loc[-1]), _keys_at(loc[:-1]))
    key = field_path(loc) or "(top level)"
    ctx_error = first.get("ctx", {}).get("error")
    if isinstance(ctx_error, KeyPathError):
        key = ctx_error.key
    return key, str(first["msg"]).removeprefix("Value error, ")


def _unknown_key(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    if known:
        return f"unknown key {key!r} (known keys: {', '.join(known)})"
    return f"unknown key {key!r}"


def _keys_at(loc: tuple[str | int, ...]) -> tuple[str, ...]:
    """The keys the section at `loc` takes: the fields of its model."""
    current: Any = CarePulseConfig
    for part in loc:
        current = _unwrapped(current)
        origin = get_origin(current)
        if origin is tuple or origin is dict:  # an entry of a list, or of a table
            current = get_args(current)[0 if origin is tuple else 1]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return ()
            current = field.annotation
        else:
            return ()
    current = _unwrapped(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return tuple(current.model_fields)
    return ()


def _unwrapped(annotation: Any) -> Any:
    """`X` of `Annotated[X, ...]` and of `X | None`."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
            continue
        arguments = get_args(annotation)
        if get_origin(annotation) in (Union, UnionType) and type(None) in arguments:
            others = [argument for argument in arguments if argument is not type(None)]
            if len(others) == 1:
                annotation = others[0]
                continue
        return annotation
