"""Tests for streams.config: the shipped example, the defaults, and the error messages.

An error message must let a care lead fix the file without reading code: it names the
file, the exact key path and the reason. Each invalid-file test pins all three.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from streams.config import (
    AgentsConfig,
    BrandsConfig,
    CarePulseConfig,
    ChannelsConfig,
    ChatwootConfig,
    ConfigError,
    DedupeConfig,
    IngestConfig,
    KafkaConfig,
    LimitsConfig,
    MetricsConfig,
    QuickRepliesConfig,
    SavingsConfig,
    TeamsConfig,
    ThresholdsConfig,
    TopicsConfig,
    WorkerConfig,
    load_config,
    with_environment,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "carepulse.toml"
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
        "teams": TeamsConfig,
        "thresholds": ThresholdsConfig,
        "savings": SavingsConfig,
        "dedupe": DedupeConfig,
        "limits": LimitsConfig,
        "kafka": KafkaConfig,
        "metrics": MetricsConfig,
        "worker": WorkerConfig,
        "chatwoot": ChatwootConfig,
        "ingest": IngestConfig,
    }
    for name, model in sections.items():
        assert set(data[name]) == set(model.model_fields), name
    monthly = data["savings"]["monthly"]
    assert set(monthly) == {"tools", "ads", "staff_hours", "hourly_rate"}  # staff: either form
    policy_keys = set().union(*(set(policy) for policy in data["sla"]["policies"]))
    assert policy_keys == {
        "name", "match", "first_response_seconds", "next_response_seconds",
        "resolution_seconds", "calendar", "at_risk_fraction", "pause_on",
    }
    calendar_keys = set().union(*(set(calendar) for calendar in data["calendars"].values()))
    assert calendar_keys == {"timezone", "hours", "holidays"}


NOT_DEFAULT = "not the default"


def _first_lines(lines: list[str]) -> dict[tuple[str, ...], int]:
    """The index of the first line naming each key path: `key = ...` under its table, or
    a table header (`[a.b]`, `[[a.b]]`) for `a` and `a.b`."""
    first: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for index, line in enumerate(lines):
        header = re.match(r"\s*\[\[?\s*([\w.-]+)\s*\]\]?", line)
        if header:
            table = tuple(header.group(1).split("."))
            for depth in range(1, len(table) + 1):
                first.setdefault(table[:depth], index)
            continue
        key = re.match(r"\s*([\w-]+)\s*=", line)
        if key:
            first.setdefault((*table, key.group(1)), index)
    return first


def _differing(loaded: BaseModel, default: BaseModel,
               prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Key paths whose value differs from the model default: a fixed section key by key,
    named entries (calendars, policies, per-channel costs) as a whole."""
    found = []
    for name in type(loaded).model_fields:
        value, default_value = getattr(loaded, name), getattr(default, name)
        if isinstance(value, BaseModel):
            found += _differing(value, default_value, (*prefix, name))
        elif value != default_value:
            found.append((*prefix, name))
    return found


def test_example_marks_every_value_that_is_not_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """A reader copies the example: each key set to something else than the default says
    so (`# not the default (...)`) at the end of its line or on a comment line above it,
    and no other key does. `worker.data_dir`'s default depends on the machine (its
    temporary directory), so a fixed path is never the default."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "machine-temp"))
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    first = _first_lines(lines)
    elsewhere = CarePulseConfig(worker=WorkerConfig())  # the default on that machine
    differing = _differing(load_config(EXAMPLE), elsewhere)
    assert ("dedupe", "capacity") in differing and ("worker", "data_dir") in differing

    def marked(index: int) -> bool:
        own = lines[index].partition("#")[2]
        above = lines[index - 1].strip() if index else ""
        return NOT_DEFAULT in own or (above.startswith("#") and NOT_DEFAULT in above)

    unmarked = [".".join(path) for path in differing if not marked(first[path])]
    assert unmarked == [], f"not marked as {NOT_DEFAULT!r}"
    expected = {first[path] for path in differing}
    markers = {index for index, line in enumerate(lines) if NOT_DEFAULT in line}
    assert markers <= expected | {index - 1 for index in expected}, "a default marked"


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
    """docs/kpis.md section 4, through the calendar built from the example file."""
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


def test_the_grace_and_the_late_event_tolerance_reach_the_kpi_layer(tmp_path: Path) -> None:
    defaults = load_config(None).kpi_settings()
    assert (defaults.resolved_grace_us, defaults.late_event_tolerance_us) == (
        604_800_000_000, 86_400_000_000)
    assert defaults.forget_after_us == 691_200_000_000  # 8 days
    path = write(tmp_path, "[worker]\nresolved_grace_seconds = 3600\n"
                           "late_event_tolerance_seconds = 0\n")
    settings = load_config(path).kpi_settings()
    assert (settings.late_event_tolerance_us, settings.forget_after_us) == (0, 3_600_000_000)


@pytest.mark.parametrize(("text", "error"), [
    ("late_event_tolerance_seconds = -1",
     "worker.late_event_tolerance_seconds: Input should be greater than or equal to 0"),
    ('late_event_tolerance_seconds = "1d"',
     "worker.late_event_tolerance_seconds: Input should be a valid number"),
    ("late_event_tolerance_seconds = inf",
     "worker.late_event_tolerance_seconds: Input should be a finite number"),
    ("late_event_tolerance = 60",
     "worker: unknown key 'late_event_tolerance' (did you mean "
     "'late_event_tolerance_seconds'?)"),
])
def test_a_bad_late_event_tolerance_is_named_with_the_reason(
    tmp_path: Path, text: str, error: str
) -> None:
    path = write(tmp_path, f"[worker]\n{text}\n")
    assert error_of(path) == f"{path}: {error}"


def test_empty_file_gives_the_same_defaults_as_no_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == load_config(None)


def test_staff_amount_counts_in_the_monthly_total(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.monthly]\ntools = 100\nads = 50\nstaff = 8000\n")
    assert load_config(path).savings.monthly.total == 8150.0


# --- invalid files: file, key path and reason -------------------------------------------


def test_unknown_top_level_key_is_named_with_the_key_it_resembles(tmp_path: Path) -> None:
    path = write(tmp_path, '[chanels]\nallowlist = ["x"]\n')
    assert error_of(path) == f"{path}: unknown key 'chanels' (did you mean 'channels'?)"


def test_unknown_nested_key_is_named_under_its_section(tmp_path: Path) -> None:
    path = write(tmp_path, "[savings.monthly]\ntool = 5\n")
    assert error_of(path) == (
        f"{path}: savings.monthly: unknown key 'tool' (did you mean 'tools'?)"
    )


def test_unknown_key_inside_a_policy_is_named_with_its_index(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sla.policies]]\nname = "a"\nfirst_respons_seconds = 5\n')
    assert error_of(path) == (
        f"{path}: sla.policies[0]: unknown key 'first_respons_seconds' "
        "(did you mean 'first_response_seconds'?)"
    )


def test_unknown_key_like_no_other_lists_the_known_keys(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sla.policies]]\nname = "a"\n[sla.policies.match]\nx = 1\n')
    assert error_of(path) == (
        f"{path}: sla.policies[0].match: unknown key 'x' (known keys: channels, priorities)"
    )


def test_unknown_key_in_a_calendar_and_in_a_second_policy(tmp_path: Path) -> None:
    path = write(tmp_path, (
        '[calendars.office]\ntimezone = "UTC"\nhours = { mon = ["09:00-17:00"] }\n'
        'holiday = ["2026-12-25"]\n'
    ))
    assert error_of(path) == (
        f"{path}: calendars.office: unknown key 'holiday' (did you mean 'holidays'?)"
    )
    path = write(tmp_path, (
        '[[sla.policies]]\nname = "a"\nmatch = { channels = ["x"] }\n'
        '[[sla.policies]]\nname = "b"\nat_risk = 0.5\n'
    ))
    assert error_of(path) == (
        f"{path}: sla.policies[1]: unknown key 'at_risk' (did you mean 'at_risk_fraction'?)"
    )


def test_pause_on_errors_name_the_policy_and_the_entry(tmp_path: Path) -> None:
    policy = '[[sla.policies]]\nname = "a"\n'
    path = write(tmp_path, policy + 'resolution_seconds = 60\npause_on = ["open"]\n')
    assert error_of(path) == (
        f"{path}: sla.policies[0].pause_on[0]: Input should be 'pending' or 'on_hold'"
    )
    path = write(tmp_path, policy + 'resolution_seconds = 60\n'
                 'pause_on = ["pending", "on_hold", "pending"]\n')
    assert error_of(path) == f"{path}: sla.policies[0].pause_on[2]: 'pending' is listed twice"
    path = write(tmp_path, policy + 'first_response_seconds = 60\npause_on = ["on_hold"]\n')
    assert error_of(path) == (
        f"{path}: sla.policies[0].pause_on: stops the resolution clock only: set "
        "resolution_seconds or remove pause_on"
    )


def test_teams_and_team_series_reach_the_kpi_settings(tmp_path: Path) -> None:
    path = write(tmp_path, '[teams]\nallowlist = ["tier1"]\n')
    assert load_config(path).kpi_settings().labels.teams is None  # series off
    path = write(tmp_path, '[teams]\nallowlist = ["tier1"]\n[metrics]\nteam_series = true\n')
    assert load_config(path).kpi_settings().labels.teams == ("tier1",)
    path = write(tmp_path, '[teams]\nallowlist = ["none"]\n')
    assert error_of(path) == (
        f"{path}: teams.allowlist: 'none' must be 1..64 characters and not "
        "'other' nor 'none'"
    )
    path = write(tmp_path, '[metrics]\nteam_series = "yes"\n')
    assert error_of(path) == f"{path}: metrics.team_series: Input should be a valid boolean"


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
    assert error_of(path) == (
        f"{path}: sla.policies[0].calendar: no such calendar 'rome' (no calendar is "
        "defined: add a [calendars.rome] section)"
    )


def test_missing_calendar_names_the_one_looked_for_and_the_ones_defined(
    tmp_path: Path,
) -> None:
    office = 'timezone = "Europe/Rome"\nhours = { mon = ["09:00-17:00"] }\n'
    path = write(tmp_path, (
        f"[calendars.rome_office]\n{office}[calendars.support]\n{office}"
        '[[sla.policies]]\nname = "a"\nmatch = { channels = ["x"] }\n'
        '[[sla.policies]]\nname = "b"\ncalendar = "rome"\n'
    ))
    assert error_of(path) == (
        f"{path}: sla.policies[1].calendar: no such calendar 'rome' (calendars defined: "
        "'rome_office', 'support')"
    )


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


def environment_error(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        with_environment(CarePulseConfig(), environ)
    return str(caught.value)


def test_an_environment_override_error_names_the_variable_and_its_value() -> None:
    assert environment_error({"CAREPULSE_METRICS_PORT": "abc"}) == (
        "CAREPULSE_METRICS_PORT=abc: metrics.port: Input should be a valid integer, unable "
        "to parse string as an integer"
    )
    assert environment_error({"CAREPULSE_METRICS_PORT": "70000"}) == (
        "CAREPULSE_METRICS_PORT=70000: metrics.port: 70000 is not a TCP port (1..65535)"
    )


def test_an_environment_value_is_quoted_when_it_is_empty_or_has_spaces() -> None:
    assert environment_error({"CAREPULSE_METRICS_PORT": ""}).startswith(
        "CAREPULSE_METRICS_PORT='': metrics.port: "
    )
    assert environment_error({"CAREPULSE_BROKER": "kafka:9092, :1"}) == (
        "CAREPULSE_BROKER='kafka:9092, :1': kafka.bootstrap_servers: ':1' has no host"
    )


def test_the_variable_at_fault_is_named_among_several(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[metrics]\nhost = "0.0.0.0"\n'))
    with pytest.raises(ConfigError) as caught:
        with_environment(config, {"CAREPULSE_BROKER": "kafka:19092",
                                  "CAREPULSE_METRICS_HOST": "127.0.0.1",
                                  "CAREPULSE_METRICS_PORT": "9108x"})
    assert str(caught.value).startswith("CAREPULSE_METRICS_PORT=9108x: metrics.port: ")


def test_config_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_config(tmp_path / "absent.toml")
