"""Tests for streams.config: the shipped example, the defaults, and the error messages.

An error message must let a care lead fix the file without reading code: it names the
file, the exact key path and the reason. Each invalid-file test pins all three.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from streams.config import (
    AgentsConfig,
    BrandsConfig,
    CarePulseConfig,
    ChannelsConfig,
    ConfigError,
    DedupeConfig,
    KafkaConfig,
    LimitsConfig,
    MetricsConfig,
    QuickRepliesConfig,
    SavingsConfig,
    ThresholdsConfig,
    TopicsConfig,
    WorkerConfig,
    load_config,
    with_environment,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "carepulse.toml"
KNOWN_CHANNELS = ("facebook", "instagram", "x", "whatsapp", "linkedin", "tiktok", "youtube")


def write(tmp_path: Path, text: str, name: str = "carepulse.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


# --- the example file -------------------------------------------------------------------


def test_example_file_loads() -> None:
    assert isinstance(load_config(EXAMPLE), CarePulseConfig)


def test_example_sets_every_section_and_key() -> None:
    """Every key of every section is written in the example (no key left to a default)."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(data) == set(CarePulseConfig.model_fields)
    sections: dict[str, type[BaseModel]] = {
        "channels": ChannelsConfig,
        "brands": BrandsConfig,
        "topics": TopicsConfig,
        "quick_replies": QuickRepliesConfig,
        "agents": AgentsConfig,
        "thresholds": ThresholdsConfig,
        "savings": SavingsConfig,
        "dedupe": DedupeConfig,
        "limits": LimitsConfig,
        "kafka": KafkaConfig,
        "metrics": MetricsConfig,
        "worker": WorkerConfig,
    }
    for name, model in sections.items():
        assert set(data[name]) == set(model.model_fields), name
    monthly = data["savings"]["monthly"]
    assert set(monthly) == {"tools", "ads", "staff_hours", "hourly_rate"}  # staff: either form
    policy_keys = set().union(*(set(policy) for policy in data["sla"]["policies"]))
    assert policy_keys == {
        "name", "match", "first_response_seconds", "next_response_seconds",
        "resolution_seconds", "calendar", "at_risk_fraction",
    }
    calendar_keys = set().union(*(set(calendar) for calendar in data["calendars"].values()))
    assert calendar_keys == {"timezone", "hours", "holidays"}


def test_example_channels_and_thresholds() -> None:
    config = load_config(EXAMPLE)
    assert config.channels.allowlist == KNOWN_CHANNELS
    assert config.thresholds.sentiment_positive_above == 0.2
    assert config.thresholds.sentiment_negative_below == -0.2
    assert config.thresholds.csat_satisfied_min == 4
    assert config.thresholds.nps_promoter_min == 9
    assert config.thresholds.nps_detractor_max == 6


def test_example_policies_in_order_with_their_targets() -> None:
    urgent, business, default = load_config(EXAMPLE).sla.policies
    assert [urgent.name, business.name, default.name] == ["urgent", "business", "default"]

    assert urgent.match is not None
    assert urgent.match.priorities == ("urgent", "high")
    assert urgent.match.channels is None
    assert urgent.first_response_seconds == 900.0
    assert urgent.next_response_seconds == 1800.0
    assert urgent.resolution_seconds == 14400.0
    assert urgent.calendar is None
    assert urgent.at_risk_fraction == 0.5

    assert business.match is not None
    assert business.match.channels == ("linkedin", "x")
    assert business.match.priorities is None
    assert business.first_response_seconds == 3600.0
    assert business.calendar == "rome_office"
    assert business.at_risk_fraction == 0.8

    assert default.match is None
    assert default.first_response_seconds == 3600.0
    assert default.resolution_seconds == 172800.0
    assert default.at_risk_fraction == 0.8


def test_example_rome_office_calendar_is_mon_to_fri_9_to_17() -> None:
    rome = load_config(EXAMPLE).calendars["rome_office"]
    assert rome.timezone == "Europe/Rome"
    assert rome.hours == {day: ("09:00-17:00",) for day in ("mon", "tue", "wed", "thu", "fri")}
    assert rome.holidays[:2] == (dt.date(2026, 12, 8), dt.date(2026, 12, 25))
    assert len(rome.holidays) == 5


def test_example_rome_office_friday_16_45_plus_30_minutes_is_monday_9_15() -> None:
    """KPIS.md section 4, through the calendar built from the example file."""
    calendar = load_config(EXAMPLE).calendars["rome_office"].build()
    friday_16_45_rome = dt.datetime(2026, 11, 20, 15, 45, tzinfo=dt.UTC)  # CET = UTC+1
    monday_9_15_rome = dt.datetime(2026, 11, 23, 8, 15, tzinfo=dt.UTC)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    start_us = (friday_16_45_rome - epoch) // dt.timedelta(microseconds=1)
    due_us = (monday_9_15_rome - epoch) // dt.timedelta(microseconds=1)
    assert calendar.deadline_after(start_us, 30 * 60 * 1_000_000) == due_us


def test_example_savings_and_monthly_total() -> None:
    savings = load_config(EXAMPLE).savings
    assert savings.currency == "EUR"
    assert savings.alternative_cost_per_contact == 20.0
    assert savings.alternative_cost("linkedin") == 35.0
    assert savings.alternative_cost("whatsapp") == 12.5
    assert savings.alternative_cost("facebook") == 20.0
    assert savings.monthly.staff is None
    # tools 1200 + ads 300 + 320 staff hours x 25 per hour
    assert savings.monthly.total == 9500.0


def test_example_dedupe_and_limits() -> None:
    config = load_config(EXAMPLE)
    assert config.dedupe.capacity == 2_000_000
    assert config.limits.max_record_bytes == 65536


# --- defaults ---------------------------------------------------------------------------


def test_no_file_gives_the_defaults_of_kpis_section_7() -> None:
    config = load_config(None)
    assert config.channels.allowlist == KNOWN_CHANNELS
    assert config.sla.policies == ()
    assert config.calendars == {}
    assert config.savings.currency == "EUR"
    assert config.savings.alternative_cost_per_contact == 20.0
    assert config.savings.alternative_cost("youtube") == 20.0
    assert config.savings.monthly.total == 0.0
    assert config.dedupe.capacity == 1_000_000
    assert config.limits.max_record_bytes == 65536


def test_empty_file_gives_the_same_defaults_as_no_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == load_config(None)


def test_staff_amount_counts_in_the_monthly_total(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.monthly]\ntools = 100\nads = 50\nstaff = 8000\n")
    assert load_config(path).savings.monthly.total == 8150.0


# --- invalid files: file, key path and reason -------------------------------------------


def test_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[chanels]\nallowlist = ["x"]\n')
    assert error_of(path) == f"{path}: chanels: Extra inputs are not permitted"


def test_unknown_nested_key_is_named_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.monthly]\ntool = 5\n")
    assert error_of(path) == f"{path}: savings.monthly.tool: Extra inputs are not permitted"


def test_unknown_key_inside_a_policy_is_named_with_its_index(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sla.policies]]\nname = "a"\nfirst_response_secs = 5\n')
    assert error_of(path) == (
        f"{path}: sla.policies[0].first_response_secs: Extra inputs are not permitted"
    )


def test_wrong_type_in_second_policy_is_named_with_its_index(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[[sla.policies]]\nname = "a"\n'
        '[[sla.policies]]\nname = "b"\nfirst_response_seconds = "fast"\n'
    ))
    assert error_of(path) == (
        f"{path}: sla.policies[1].first_response_seconds: "
        "Input should be a valid number"
    )


def test_wrong_type_for_an_integer(tmp_path: Path) -> None:
    path = write(tmp_path, '[dedupe]\ncapacity = "big"\n')
    assert error_of(path) == (
        f"{path}: dedupe.capacity: "
        "Input should be a valid integer"
    )


def test_non_positive_target_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sla.policies]]\nname = "a"\nresolution_seconds = 0\n')
    assert error_of(path) == (
        f"{path}: sla.policies[0].resolution_seconds: Input should be greater than 0"
    )


def test_negative_monthly_cost_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.monthly]\ntools = -1\n")
    assert error_of(path) == (
        f"{path}: savings.monthly.tools: Input should be greater than or equal to 0"
    )


def test_negative_channel_cost_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.alternative_cost_per_channel]\nx = -2.5\n")
    assert error_of(path) == (
        f"{path}: savings.alternative_cost_per_channel.x: "
        "Input should be greater than or equal to 0"
    )


def test_unknown_time_zone_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[calendars.office]\ntimezone = "Europe/Roma"\nhours = { mon = ["09:00-17:00"] }\n'
    ))
    assert error_of(path) == (
        f"{path}: calendars.office.timezone: unknown IANA time zone 'Europe/Roma'"
    )


def test_bad_hours_string_is_rejected_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[calendars.office]\ntimezone = "Europe/Rome"\nhours = { mon = ["9-17"] }\n'
    ))
    message = error_of(path)
    assert message.startswith(f"{path}: calendars.office")
    assert message.endswith(": opening hours '9-17': '9' is not a 'HH:MM' time")


def test_bad_hours_string_names_the_weekday_entry(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[calendars.office]\ntimezone = "Europe/Rome"\nhours = { mon = ["9-17"] }\n'
    ))
    assert error_of(path) == (
        f"{path}: calendars.office.hours.mon[0]: opening hours '9-17': '9' is not a 'HH:MM' time"
    )


def test_misspelt_weekday_names_the_weekday_key(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[calendars.office]\ntimezone = "Europe/Rome"\nhours = { monday = ["09:00-17:00"] }\n'
    ))
    message = error_of(path)
    assert message.startswith(f"{path}: calendars.office.hours.monday: ")
    assert "[key]" not in message


def test_missing_calendar_of_a_policy_names_the_policy_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sla.policies]]\nname = "business"\ncalendar = "rome"\n')
    assert error_of(path) == f"{path}: sla.policies[0].calendar: no such calendar"


def test_duplicate_policy_names_name_the_second_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sla.policies]]\nname = "a"\n[[sla.policies]]\nname = "a"\n')
    assert error_of(path) == f"{path}: sla.policies[1].name: duplicate policy name"


def test_staff_and_staff_hours_together_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.monthly]\nstaff = 8000\nstaff_hours = 320\n")
    assert error_of(path) == (
        f"{path}: savings.monthly: give either staff or staff_hours and hourly_rate, not both"
    )


def test_boolean_amount_is_a_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings]\nalternative_cost_per_contact = true\n")
    assert error_of(path).startswith(f"{path}: savings.alternative_cost_per_contact: ")


def test_text_that_is_not_toml_is_rejected_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings]\ncurrency = EUR\n")
    assert error_of(path) == f"{path}: not valid TOML: Invalid value (at line 2, column 12)"


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    assert error_of(path) == f"{path}: cannot read: No such file or directory"


@pytest.mark.parametrize("port", [0, 65536, 99999, -1])
def test_metrics_port_outside_1_65535_is_rejected(tmp_path: Path, port: int) -> None:
    path = write(tmp_path, f"[metrics]\nport = {port}\n")
    assert error_of(path) == f"{path}: metrics.port: {port} is not a TCP port (1..65535)"


@pytest.mark.parametrize("port", [1, 9108, 65535])
def test_metrics_port_within_1_65535_is_taken(tmp_path: Path, port: int) -> None:
    assert load_config(write(tmp_path, f"[metrics]\nport = {port}\n")).metrics.port == port


@pytest.mark.parametrize(("servers", "reason"), [
    ("kafka:99999", "'kafka:99999': port '99999' is not a TCP port (1..65535)"),
    ("a:9092, b:0", "'b:0': port '0' is not a TCP port (1..65535)"),
    ("kafka:", "'kafka:': port '' is not a TCP port (1..65535)"),
    (":9092", "':9092' has no host"),
    (" ", "no host:port given"),
])
def test_bootstrap_servers_with_a_bad_port_are_rejected(
    tmp_path: Path, servers: str, reason: str
) -> None:
    path = write(tmp_path, f'[kafka]\nbootstrap_servers = "{servers}"\n')
    assert error_of(path) == f"{path}: kafka.bootstrap_servers: {reason}"


@pytest.mark.parametrize("servers", ["kafka:19092", "a:1,b:65535", "kafka", "[::1]:9092"])
def test_bootstrap_servers_with_good_ports_are_taken(tmp_path: Path, servers: str) -> None:
    path = write(tmp_path, f'[kafka]\nbootstrap_servers = "{servers}"\n')
    assert load_config(path).kafka.bootstrap_servers == servers


def test_a_port_from_the_environment_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"is not a TCP port \(1\.\.65535\)"):
        with_environment(CarePulseConfig(), {"CAREPULSE_METRICS_PORT": "70000"})
    with pytest.raises(ConfigError, match="port '99999' is not a TCP port"):
        with_environment(CarePulseConfig(), {"CAREPULSE_BROKER": "kafka:99999"})
    assert with_environment(
        CarePulseConfig(), {"CAREPULSE_METRICS_PORT": "9200"}
    ).metrics.port == 9200


def test_config_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_config(tmp_path / "absent.toml")
