"""What every configuration section shares: its base model, the error types, and the
value types of several sections."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

PositiveSeconds = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
Seconds = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Money = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Strict(), Field(ge=-1, le=1)]
Score = Annotated[int, Strict()]


class ConfigError(ValueError):
    """An invalid configuration file; the message names the file, key and reason."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyPathError(ValueError):
    """A cross-section error that knows its key path."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
