"""CarePulse configuration: one TOML file loaded into validated, frozen models.

Every section is optional; an absent file means the defaults of KPIS.md section 7 (known
channels, no SLA policy, 20 EUR per contact, no social cost). Unknown keys are errors, so
a typo never silently falls back to a default. Errors name the key path and the reason.
"""

from __future__ import annotations

import difflib
import shlex
import tempfile
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from schemas.events import KNOWN_CHANNELS, MAX_LABEL_CHARS, Priority
from schemas.rejections import field_path
from streams.kpi.calendar import BusinessCalendar, parse_hours

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PositiveSeconds = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
Money = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Strict(), Field(ge=-1, le=1)]
Score = Annotated[int, Strict()]


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


def _valid_hours(spec: str) -> str:
    parse_hours(spec)
    return spec


HoursSpec = Annotated[str, AfterValidator(_valid_hours)]


class ConfigError(ValueError):
    """An invalid configuration file; the message names the file, key and reason."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelsConfig(_Section):
    """Channels reported under their own name; every other value is reported as `other`."""

    allowlist: tuple[str, ...] = KNOWN_CHANNELS

    @field_validator("allowlist")
    @classmethod
    def _lower_case_and_not_other(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not value or value != value.lower() or value == "other":
                raise ValueError(f"channel {value!r} must be non-empty, lower-case, not 'other'")
        return values


MAX_LABEL_VALUES = 500
"""Most values an allowlist of brands, topics, quick replies or agents may list: each
listed value is a label value of its own (README, "Cardinality")."""


def _label_values(values: tuple[str, ...], reserved: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value or len(value) > MAX_LABEL_CHARS or value in reserved:
            raise ValueError(f"{value!r} must be 1..{MAX_LABEL_CHARS} characters and not "
                             + " nor ".join(repr(name) for name in reserved))
    return values


def _not_other(values: tuple[str, ...]) -> tuple[str, ...]:
    return _label_values(values, ("other",))


def _not_other_nor_none(values: tuple[str, ...]) -> tuple[str, ...]:
    return _label_values(values, ("other", "none"))


# Allowlists of label values: at most MAX_LABEL_VALUES, none of the values CarePulse
# reports for everything outside the list
Allowlist = Annotated[
    tuple[str, ...], Field(max_length=MAX_LABEL_VALUES), AfterValidator(_not_other)
]
TopicAllowlist = Annotated[
    tuple[str, ...], Field(max_length=MAX_LABEL_VALUES), AfterValidator(_not_other_nor_none)
]


class BrandsConfig(_Section):
    """Brands reported under their own name in metric labels; any other as `other`.
    Events without a brand have brand `default` (EVENTS.md)."""

    allowlist: Allowlist = ("default",)


class TopicsConfig(_Section):
    """Topics of inbound messages reported by name; others as `other`, none as `none`."""

    allowlist: TopicAllowlist = ()


class QuickRepliesConfig(_Section):
    """Quick-reply ids reported by name; any other as `other`."""

    allowlist: Allowlist = ()


class AgentsConfig(_Section):
    """Agents with series of their own when `metrics.agent_series` is on; others `other`."""

    allowlist: Allowlist = ()


class ThresholdsConfig(_Section):
    sentiment_positive_above: Fraction = 0.2
    sentiment_negative_below: Fraction = -0.2
    csat_satisfied_min: Score = Field(4, ge=1, le=5)
    nps_promoter_min: Score = Field(9, ge=0, le=10)
    nps_detractor_max: Score = Field(6, ge=0, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsConfig:
        if self.sentiment_negative_below > self.sentiment_positive_above:
            raise ValueError("sentiment_negative_below must not exceed sentiment_positive_above")
        if self.nps_detractor_max >= self.nps_promoter_min:
            raise ValueError("nps_detractor_max must be below nps_promoter_min")
        return self


class CalendarConfig(_Section):
    """Opening hours per weekday as "HH:MM-HH:MM" strings, in `timezone` wall-clock time."""

    timezone: str
    hours: dict[Weekday, tuple[HoursSpec, ...]]
    holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {name!r}") from error
        return name

    @model_validator(mode="after")
    def _builds(self) -> CalendarConfig:
        self.build()
        return self

    def build(self) -> BusinessCalendar:
        weekly_open = {
            WEEKDAYS.index(day): [parse_hours(spec) for spec in specs]
            for day, specs in self.hours.items()
        }
        return BusinessCalendar(self.timezone, weekly_open, self.holidays)


class SlaMatch(_Section):
    """A policy applies when the cycle's channel and priority are both listed (an absent
    list matches everything)."""

    channels: tuple[str, ...] | None = None
    priorities: tuple[Priority, ...] | None = None


class SlaPolicy(_Section):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    match: SlaMatch | None = None
    first_response_seconds: PositiveSeconds | None = None
    next_response_seconds: PositiveSeconds | None = None
    resolution_seconds: PositiveSeconds | None = None
    calendar: str | None = None
    at_risk_fraction: Annotated[float, Strict()] = Field(0.8, gt=0, le=1)


class SlaConfig(_Section):
    policies: tuple[SlaPolicy, ...] = ()


class MonthlyCosts(_Section):
    """Monthly social-care costs; staff is either `staff` or `staff_hours` x `hourly_rate`."""

    tools: Money = 0.0
    ads: Money = 0.0
    staff: Money | None = None
    staff_hours: Money = 0.0
    hourly_rate: Money = 0.0

    @model_validator(mode="after")
    def _one_staff_form(self) -> MonthlyCosts:
        if self.staff is not None and (self.staff_hours or self.hourly_rate):
            raise ValueError("give either staff or staff_hours and hourly_rate, not both")
        return self

    @property
    def total(self) -> float:
        staff = self.staff if self.staff is not None else self.staff_hours * self.hourly_rate
        return self.tools + self.ads + staff


class SavingsConfig(_Section):
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    alternative_cost_per_contact: Money = 20.0
    alternative_cost_per_channel: dict[str, Money] = Field(default_factory=dict)
    monthly: MonthlyCosts = MonthlyCosts()

    def alternative_cost(self, channel: str) -> float:
        return self.alternative_cost_per_channel.get(channel, self.alternative_cost_per_contact)


class DedupeConfig(_Section):
    """How many recent `event_id`s are remembered (memory stays bounded)."""

    capacity: Score = Field(1_000_000, ge=1_000, le=100_000_000)


class LimitsConfig(_Section):
    max_record_bytes: Score = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)


class KafkaConfig(_Section):
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


class MetricsConfig(_Section):
    """Where `/metrics` is served, and how it is protected: `auth = "basic"` asks for
    `basic_auth_username` and the password held by the environment variable named
    `basic_auth_password_env` (never the file); `tls = true` serves HTTPS with
    `tls_certfile` and `tls_keyfile` (PEM). `agent_series` adds the per-agent families
    (opt-in)."""

    host: str = "127.0.0.1"
    port: Port = 9108
    auth: Literal["none", "basic"] = "none"
    basic_auth_username: str = Field("prometheus", min_length=1)
    basic_auth_password_env: str = Field("CAREPULSE_METRICS_PASSWORD", min_length=1)
    tls: Annotated[bool, Strict()] = False
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    agent_series: Annotated[bool, Strict()] = False

    @model_validator(mode="after")
    def _tls_files(self) -> MetricsConfig:
        if self.tls and (self.tls_certfile is None or self.tls_keyfile is None):
            missing = "tls_certfile" if self.tls_certfile is None else "tls_keyfile"
            raise _KeyError(f"metrics.{missing}", "required with tls = true")
        return self


class WorkerConfig(_Section):
    """How often hot state is checkpointed to the changelog topic: after this many
    events or this many seconds, whichever comes first. A partition whose newest record
    was produced more than `backfill_delay_seconds` after its newest event time replays
    history: its SLA clocks follow event time even once it is caught up.

    A resolved conversation is forgotten once the newest event time has passed its last
    event by `resolved_grace_seconds` (the replay forgets it too, so both agree): a later
    event of it finds an unknown conversation (KPIS.md section 1). `data_dir` is Faust's
    working directory (default: `carepulse/` in the system's temporary directory, never
    the working directory)."""

    checkpoint_events: Score = Field(5000, ge=1, le=1_000_000)
    checkpoint_seconds: Annotated[float, Strict()] = Field(1.0, gt=0, le=60)
    backfill_delay_seconds: Annotated[float, Strict()] = Field(3600.0, gt=0)
    resolved_grace_seconds: PositiveSeconds = 7 * 86_400.0
    data_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()) / "carepulse")


class CarePulseConfig(_Section):
    channels: ChannelsConfig = ChannelsConfig()
    brands: BrandsConfig = BrandsConfig()
    topics: TopicsConfig = TopicsConfig()
    quick_replies: QuickRepliesConfig = QuickRepliesConfig()
    agents: AgentsConfig = AgentsConfig()
    thresholds: ThresholdsConfig = ThresholdsConfig()
    calendars: dict[str, CalendarConfig] = Field(default_factory=dict)
    sla: SlaConfig = SlaConfig()
    savings: SavingsConfig = SavingsConfig()
    dedupe: DedupeConfig = DedupeConfig()
    limits: LimitsConfig = LimitsConfig()
    kafka: KafkaConfig = KafkaConfig()
    metrics: MetricsConfig = MetricsConfig()
    worker: WorkerConfig = WorkerConfig()

    @model_validator(mode="after")
    def _references_resolve(self) -> CarePulseConfig:
        """Mistakes that would otherwise be silent: a policy no cycle can reach, a
        channel name that can never match, a calendar or policy name used twice."""
        reported = {*self.channels.allowlist, "other"}
        names = [policy.name for policy in self.sla.policies]
        for index, policy in enumerate(self.sla.policies):
            key = f"sla.policies[{index}]"
            if policy.calendar is not None and policy.calendar not in self.calendars:
                defined = ", ".join(repr(name) for name in self.calendars)
                raise _KeyError(f"{key}.calendar", f"no such calendar {policy.calendar!r} " + (
                    f"(calendars defined: {defined})" if defined else
                    f"(no calendar is defined: add a [calendars.{policy.calendar}] section)"
                ))
            if names.index(policy.name) != index:
                raise _KeyError(f"{key}.name", "duplicate policy name")
            channels = policy.match.channels if policy.match else None
            for position, channel in enumerate(channels or ()):
                if channel not in reported:
                    raise _KeyError(f"{key}.match.channels[{position}]",
                                    f"{channel!r} is not an allowlisted channel nor 'other'")
            if index and _matches_everything(self.sla.policies[index - 1]):
                raise _KeyError(key, "unreachable: the policy before it matches every cycle")
        for channel in self.savings.alternative_cost_per_channel:
            if channel not in reported:
                raise _KeyError(f"savings.alternative_cost_per_channel.{channel}",
                                "not an allowlisted channel nor 'other'")
        return self


def _matches_everything(policy: SlaPolicy) -> bool:
    match = policy.match
    return match is None or (match.channels is None and match.priorities is None)


class _KeyError(ValueError):
    """A cross-section error that knows its key path."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key


_ENVIRONMENT_KEYS = {
    "CAREPULSE_BROKER": ("kafka", "bootstrap_servers"),
    "CAREPULSE_INPUT_TOPIC": ("kafka", "input_topic"),
    "CAREPULSE_DLQ_TOPIC": ("kafka", "dlq_topic"),
    "CAREPULSE_ALERTS_TOPIC": ("kafka", "alerts_topic"),
    "CAREPULSE_METRICS_HOST": ("metrics", "host"),
    "CAREPULSE_METRICS_PORT": ("metrics", "port"),
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
    if isinstance(ctx_error, _KeyError):
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
