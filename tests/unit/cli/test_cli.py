"""Tests for the `carepulse` command line: `replay` and `simulate`.

Most tests run `streams.cli.main` in-process and read stdout/stderr with capsys; one runs
the installed console script in a subprocess to prove the entry point works. Inputs are
small hand-built JSONL files, so every expected number can be computed by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from schemas.events import EVENT_CONTRACT_VERSION
from schemas.export import SCHEMA_PATH
from streams.cli.main import build_parser, main
from streams.kafka.broker import free_port
from streams.testing import Scenario

EXAMPLE_CONFIG = Path(__file__).resolve().parents[3] / "examples" / "carepulse.toml"

NOT_JSON = b"{not json"
UNKNOWN_TYPE = (
    b'{"event_id":"x-1","type":"message.deleted","occurred_at":"2026-11-20T10:11:00Z",'
    b'"conversation_id":"c-1","channel":"facebook"}'
)
NAIVE_TIME = (
    b'{"event_id":"x-2","type":"message.received","occurred_at":"2026-11-20T10:12:00",'
    b'"conversation_id":"c-1","channel":"facebook","customer_id":"u-1"}'
)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process `carepulse` run."""
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def replay(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> dict[str, Any]:
    """The JSON report of a successful `carepulse replay`."""
    code, out, err = run(capsys, "replay", *argv)
    assert (code, err) == (0, "")
    report: dict[str, Any] = json.loads(out)
    return report


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


@pytest.fixture
def field_log(tmp_path: Path) -> Path:
    """docs/kpis.md section 2's field example (customer 10:00, agent 10:05, customer 10:10,
    agent 10:20) with bad lines, blank lines and a re-sent reply mixed in.

    line 1  message 10:00            accepted
    line 2  invalid JSON             rejected
    line 3  agent reply 10:05        accepted
    line 4  empty                    skipped, not read
    line 5  spaces only              skipped, not read
    line 6  unknown type             rejected
    line 7  message 10:10            accepted
    line 8  naive timestamp          rejected
    line 9  agent reply 10:20        accepted
    line 10 line 9 again             duplicate
    """
    story = Scenario()
    story.message("10:00")
    story.agent_reply("10:05")
    story.message("10:10")
    story.agent_reply("10:20")
    m1, r1, m2, r2 = story.lines()
    return write_lines(tmp_path / "events.jsonl", [
        m1, NOT_JSON, r1, b"", b"   ", UNKNOWN_TYPE, m2, NAIVE_TIME, r2, r2,
    ])


@pytest.fixture
def ten_and_twelve(tmp_path: Path) -> Path:
    """Two conversations opened by messages at 10:00 and 12:00."""
    story = Scenario()
    story.message("10:00", "c-1")
    story.message("12:00", "c-2")
    return write_lines(tmp_path / "two.jsonl", story.lines())


def canonical_digest(report: dict[str, Any]) -> str:
    """docs/kpis.md section 7, computed here independently of streams.audit.report."""
    body = {key: value for key, value in report.items() if key != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- replay: counts and KPIs --------------------------------------------------------------


def test_replay_counts_events_and_does_not_count_blank_lines(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    report = replay(capsys, "--input", field_log)
    assert report["events"] == {
        "read": 8,
        "accepted": 4,
        "rejected": 3,
        "duplicates": 1,
        "ignored": 0,
        "out_of_order": 0,
    }


def test_replay_reply_waits_of_300_and_600_seconds_have_mean_450(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    totals = replay(capsys, "--input", field_log)["totals"]
    assert totals["reply_wait_seconds"] == {
        "count": 2, "mean": 450.0, "p50": 300.0, "p90": 600.0, "max": 600.0,
    }
    assert totals["first_response_seconds"] == {
        "count": 1, "mean": 300.0, "p50": 300.0, "p90": 300.0, "max": 300.0,
    }
    assert totals["messages_received"] == 2
    assert totals["replies_sent"] == 2
    assert totals["answered_messages"] == 2
    assert totals["response_rate"] == 1.0


def test_replay_report_has_exactly_the_keys_of_the_contract(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    report = replay(capsys, "--input", field_log)
    assert sorted(report) == [
        "agents", "by_channel", "by_team", "digest", "events", "quick_replies", "range",
        "savings", "schema", "sla", "topics", "totals",
    ]
    assert report["schema"] == "carepulse.report/v1.1"
    assert report["sla"] == {}
    assert list(report["by_team"]) == ["none"]  # no event names a team
    assert report["savings"] == {
        "currency": "EUR",
        "resolved_on_social": 0,
        "alternative_cost": 0.0,
        "social_cost": 0.0,
        "savings": 0.0,
        "roi": None,
    }


def test_replay_with_the_example_config_applies_its_policies_and_costs(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    report = replay(capsys, "--input", field_log, "--config", EXAMPLE_CONFIG)
    assert list(report["sla"]) == ["business", "default", "urgent"]
    # c-1 is a facebook conversation of normal priority: the default policy (1 h targets).
    assert report["sla"]["default"] == {
        "first_response": {"met": 1, "breached": 0, "compliance": 1.0},
        "next_response": {"met": 1, "breached": 0, "compliance": 1.0},
        "resolution": {"met": 0, "breached": 0, "compliance": None},
    }
    # 9,500 a month over the 1,201 s range: 9500 x 1201 / 2592000 = 4.4018132...
    assert report["savings"] == {
        "currency": "EUR",
        "resolved_on_social": 0,
        "alternative_cost": 0.0,
        "social_cost": 4.401813,
        "savings": -4.401813,
        "roi": -1.0,
    }


# --- replay: --rejects ------------------------------------------------------------------


def test_rejects_file_has_one_json_line_per_rejected_line(
    capsys: pytest.CaptureFixture[str], field_log: Path, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.jsonl"
    replay(capsys, "--input", field_log, "--rejects", rejects)
    entries = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [
        (entry["line"], entry["reason"], entry["field"], entry["raw"]) for entry in entries
    ] == [
        (2, "invalid_json", "", NOT_JSON.decode()),
        (6, "unknown_type", "type", UNKNOWN_TYPE.decode()),
        (8, "invalid_field", "occurred_at", NAIVE_TIME.decode()),
    ]
    entry_keys = ["detail", "field", "line", "raw", "reason"]
    assert [sorted(entry) for entry in entries] == [entry_keys] * 3
    assert entries[1]["detail"] == "not an event type of contract v1.1"


def test_rejects_file_is_empty_when_nothing_is_rejected(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.jsonl"
    replay(capsys, "--input", ten_and_twelve, "--rejects", rejects)
    assert rejects.read_bytes() == b""


# --- replay: output formats -------------------------------------------------------------


def test_table_format_shows_the_events_and_the_digest(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    digest = replay(capsys, "--input", field_log)["digest"]
    code, table, err = run(capsys, "replay", "--input", field_log, "--format", "table")
    assert (code, err) == (0, "")
    lines = table.splitlines()
    assert lines[0] == "CarePulse audit report 2026-11-20T10:00:00Z .. 2026-11-20T10:20:01Z"
    events_at = lines.index("Events")
    assert lines[events_at + 1:events_at + 7] == [
        "  read          8",
        "  accepted      4",
        "  rejected      3",
        "  duplicates    1",
        "  ignored       0",
        "  out_of_order  0",
    ]
    assert lines[-1] == f"digest {digest}"


def test_out_writes_the_same_json_as_stdout(
    capsys: pytest.CaptureFixture[str], field_log: Path, tmp_path: Path
) -> None:
    _, printed, _ = run(capsys, "replay", "--input", field_log)
    out = tmp_path / "report.json"
    code, stdout, stderr = run(capsys, "replay", "--input", field_log, "--out", out)
    assert (code, stdout, stderr) == (0, "", "")
    assert out.read_text(encoding="utf-8") == printed
    assert printed.endswith("}\n")


# --- replay: range ----------------------------------------------------------------------


def test_default_range_is_first_event_to_last_event_plus_one_second(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    report = replay(capsys, "--input", field_log)
    assert report["range"] == {"from": "2026-11-20T10:00:00Z", "to": "2026-11-20T10:20:01Z"}


def test_default_range_uses_the_earliest_event_not_the_first_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    story = Scenario()
    story.message("10:00", "c-1")
    story.message("2026-11-20T10:30:00+01:00", "c-2")  # 09:30 UTC, arrives second
    log = write_lines(tmp_path / "late.jsonl", story.lines())
    report = replay(capsys, "--input", log)
    assert report["range"] == {"from": "2026-11-20T09:30:00Z", "to": "2026-11-20T10:00:01Z"}
    assert report["totals"]["messages_received"] == 2


def test_from_leaves_out_events_before_it_and_is_echoed(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path
) -> None:
    report = replay(capsys, "--input", ten_and_twelve, "--from", "2026-11-20T11:00:00Z")
    assert report["totals"]["messages_received"] == 1
    assert report["totals"]["conversations_opened"] == 1
    assert report["range"] == {"from": "2026-11-20T11:00:00Z", "to": "2026-11-20T12:00:01Z"}
    assert report["events"]["accepted"] == 2  # events outside the range are still read


def test_to_is_exclusive(capsys: pytest.CaptureFixture[str], ten_and_twelve: Path) -> None:
    report = replay(capsys, "--input", ten_and_twelve, "--to", "2026-11-20T12:00:00Z")
    assert report["totals"]["messages_received"] == 1
    assert report["range"] == {"from": "2026-11-20T10:00:00Z", "to": "2026-11-20T12:00:00Z"}


def test_from_and_to_with_offsets_are_echoed_in_utc(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path
) -> None:
    report = replay(
        capsys, "--input", ten_and_twelve,
        "--from", "2026-11-20T10:30:00+01:00", "--to", "2026-11-20T13:00:00+01:00",
    )
    assert report["range"] == {"from": "2026-11-20T09:30:00Z", "to": "2026-11-20T12:00:00Z"}
    assert report["totals"]["messages_received"] == 1


def test_from_after_the_last_event_gives_an_empty_range_not_an_inverted_one(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path
) -> None:
    report = replay(
        capsys, "--input", ten_and_twelve, "--config", EXAMPLE_CONFIG,
        "--from", "2026-11-21T00:00:00Z",
    )
    assert report["range"] == {"from": "2026-11-21T00:00:00Z", "to": "2026-11-21T00:00:00Z"}
    assert report["savings"]["social_cost"] == 0.0


# --- replay: errors ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["11:00", "2026-11-20T11:00:00", "yesterday"])
def test_invalid_from_exits_2_naming_from(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["replay", "--input", str(ten_and_twelve), "--from", value])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == (
        f"carepulse replay: error: argument --from: {value!r} is not an RFC 3339 timestamp "
        "with UTC offset"
    )


def test_to_not_after_from_exits_2(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path
) -> None:
    code, out, err = run(
        capsys, "replay", "--input", ten_and_twelve,
        "--from", "2026-11-20T11:00:00Z", "--to", "2026-11-20T11:00:00Z",
    )
    assert (code, out, err) == (2, "", "carepulse replay: error: --to must be after --from\n")


def test_missing_input_exits_2_with_one_line_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.jsonl"
    code, out, err = run(capsys, "replay", "--input", missing)
    assert (code, out) == (2, "")
    assert err == f"carepulse replay: error: {missing}: no such file\n"


def test_invalid_config_exits_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path, tmp_path: Path
) -> None:
    config = tmp_path / "carepulse.toml"
    config.write_text("[savings.monthly]\ntool = 5\n", encoding="utf-8")
    code, out, err = run(capsys, "replay", "--input", ten_and_twelve, "--config", config)
    assert (code, out) == (2, "")
    assert err == (
        f"carepulse replay: error: {config}: savings.monthly: unknown key 'tool' "
        "(did you mean 'tools'?)\n"
    )


def test_missing_config_exits_2_naming_the_file(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path, tmp_path: Path
) -> None:
    config = tmp_path / "absent.toml"
    code, out, err = run(capsys, "replay", "--input", ten_and_twelve, "--config", config)
    assert (code, out) == (2, "")
    assert err == f"carepulse replay: error: {config}: cannot read: No such file or directory\n"


# --- replay: nothing accepted -----------------------------------------------------------


def test_a_csv_file_gives_no_report_but_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = tmp_path / "events.csv"
    csv.write_text("event_id,type,occurred_at\nx-1,message.received,2026-11-20T10:00:00Z\n",
                   encoding="utf-8")
    code, out, err = run(capsys, "replay", "--input", csv)
    assert (code, out) == (3, "")
    assert err == (
        f"carepulse replay: {csv}: no event accepted: 2 lines read, 2 rejected, most often "
        "invalid_json (2); nothing to report (--allow-empty writes an empty report; "
        "--rejects FILE lists the rejected ones)\n"
    )


@pytest.mark.parametrize("content", [b"", b"\n   \n\n"], ids=["empty", "blank lines"])
def test_a_file_without_records_gives_no_report_but_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    empty = tmp_path / "events.jsonl"
    empty.write_bytes(content)
    out_file = tmp_path / "report.json"
    code, out, err = run(capsys, "replay", "--input", empty, "--out", out_file)
    assert (code, out) == (3, "")
    assert err == (f"carepulse replay: {empty}: no event accepted: 0 lines read; nothing to "
                   "report (--allow-empty writes an empty report)\n")
    assert not out_file.exists()


def test_nothing_accepted_names_the_most_common_reason_and_still_writes_rejects(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = write_lines(tmp_path / "bad.jsonl", [NOT_JSON, UNKNOWN_TYPE, NAIVE_TIME, NAIVE_TIME])
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run(capsys, "replay", "--input", log, "--rejects", rejects)
    assert (code, out) == (3, "")
    assert err == (
        f"carepulse replay: {log}: no event accepted: 4 lines read, 4 rejected, most often "
        "invalid_field (2); nothing to report (--allow-empty writes an empty report)\n"
    )
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 4


def test_allow_empty_writes_the_empty_report_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "events.jsonl"
    empty.write_bytes(b"")
    report = replay(capsys, "--input", empty, "--allow-empty")
    assert report["events"]["read"] == 0
    assert report["range"] == {"from": "1970-01-01T00:00:00Z", "to": "1970-01-01T00:00:00Z"}


def test_events_outside_the_range_are_accepted_so_an_empty_range_is_a_report(
    capsys: pytest.CaptureFixture[str], ten_and_twelve: Path
) -> None:
    report = replay(capsys, "--input", ten_and_twelve, "--from", "2030-01-01T00:00:00Z")
    assert report["events"]["accepted"] == 2
    assert report["totals"]["messages_received"] == 0


# --- digest -----------------------------------------------------------------------------


def test_digest_is_sha256_of_the_canonical_json_of_the_other_keys(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    report = replay(capsys, "--input", field_log, "--config", EXAMPLE_CONFIG)
    assert report["digest"].startswith("sha256:")
    assert report["digest"] == canonical_digest(report)


def test_digest_of_simulated_traffic_matches_the_printed_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "sim.jsonl"
    assert run(capsys, "simulate", "--events", "500", "--seed", "3", "--out", log)[0] == 0
    report = replay(capsys, "--input", log, "--config", EXAMPLE_CONFIG)
    assert report["totals"]["messages_received"] > 0
    assert report["digest"] == canonical_digest(report)


def test_same_input_gives_the_same_bytes(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    first = run(capsys, "replay", "--input", field_log)
    second = run(capsys, "replay", "--input", field_log)
    assert first == second


# --- simulate ---------------------------------------------------------------------------


def test_simulate_is_deterministic_for_a_seed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    code, out, err = run(capsys, "simulate", "--events", "500", "--seed", "3", "--out", first)
    assert (code, out, err) == (0, "", f"wrote 500 lines to {first}\n")
    assert run(capsys, "simulate", "--events", "500", "--seed", "3", "--out", second)[0] == 0
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_bytes().splitlines()) == 500


def test_simulate_bad_lines_fraction_gives_exactly_that_many_rejections(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "bad.jsonl"
    argv = ("simulate", "--events", "500", "--seed", "3", "--out", log, "--bad-lines", "0.1")
    assert run(capsys, *argv)[0] == 0
    events = replay(capsys, "--input", log)["events"]
    assert events["read"] == 500
    assert events["rejected"] == 50
    assert events["accepted"] + events["duplicates"] == 450


def test_simulate_bad_lines_outside_0_1_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "--events", "5", "--out", str(tmp_path / "x"), "--bad-lines", "2"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "carepulse simulate: error: argument --bad-lines: '2' is not a number in [0, 1]"
    )


# --- ports: every port option and setting is 1..65535, else one line and exit 2 --------


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The last stderr line of a command line argparse refuses (exit 2)."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.splitlines()[-1]


# the last: 9092 in fullwidth digits, which str.isdigit() accepts
@pytest.mark.parametrize("port", ["99999", "65536", "0", "-1", "abc", "\uff19\uff10\uff19\uff12"])
def test_broker_port_outside_1_65535_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    assert usage_error(capsys, "broker", "--port", port) == (
        f"carepulse broker: error: argument --port: {port!r} is not a TCP port (1..65535)"
    )


@pytest.mark.parametrize("option", ["--port", "--metrics-port"])
def test_demo_ports_outside_1_65535_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], option: str
) -> None:
    assert usage_error(capsys, "demo", option, "70000") == (
        f"carepulse demo: error: argument {option}: '70000' is not a TCP port (1..65535)"
    )


@pytest.mark.parametrize("command", [
    ("replay", "--topic", "care.events"),
    ("produce", "--input", "events.jsonl"),
    ("worker",),
])
def test_broker_address_with_a_port_outside_1_65535_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    assert usage_error(capsys, *command, "--broker", "127.0.0.1:99999") == (
        f"carepulse {command[0]}: error: argument --broker: "
        "'127.0.0.1:99999': port '99999' is not a TCP port (1..65535)"
    )


def test_broker_address_checks_every_server_of_the_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert usage_error(capsys, "worker", "--broker", "a:9092,b:port") == (
        "carepulse worker: error: argument --broker: 'b:port': port 'port' is not a TCP "
        "port (1..65535)"
    )


def test_a_metrics_port_outside_1_65535_in_the_config_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "site.toml"
    config.write_text("[metrics]\nport = 99999\n", encoding="utf-8")
    code, out, err = run(capsys, "worker", "--config", config)
    assert (code, out) == (2, "")
    assert err == (
        f"carepulse worker: error: {config}: metrics.port: 99999 is not a TCP port (1..65535)\n"
    )


def test_a_bad_environment_override_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREPULSE_METRICS_PORT", "abc")
    code, out, err = run(capsys, "worker")
    assert (code, out) == (2, "")
    assert err == (
        "carepulse worker: error: CAREPULSE_METRICS_PORT=abc: metrics.port: Input should be "
        "a valid integer, unable to parse string as an integer\n"
    )


# --- worker: a /metrics port that is taken is refused before anything connects ----------


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something listens on (as another worker's /metrics would)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_worker_refuses_a_taken_metrics_port_at_once_with_one_line(
    tmp_path: Path, taken_port: int
) -> None:
    """Before Kafka: the broker given here does not exist, so a worker that went on would
    wait for it (and with a broker, crash ~8 s later with a Faust traceback)."""
    config = tmp_path / "site.toml"
    config.write_text(f"[metrics]\nport = {taken_port}\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CAREPULSE_")}
    done = subprocess.run(
        [console_script(), "worker", "--config", str(config),
         "--broker", f"127.0.0.1:{free_port()}"],
        capture_output=True, text=True, check=False, timeout=60, env=env,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"carepulse worker: error: /metrics port {taken_port} on 127.0.0.1 is already in "
        "use: choose another with [metrics] port or CAREPULSE_METRICS_PORT\n"
    )


def test_worker_refuses_a_taken_metrics_port_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, taken_port: int
) -> None:
    monkeypatch.setenv("CAREPULSE_METRICS_PORT", str(taken_port))
    code, out, err = run(capsys, "worker", "--broker", f"127.0.0.1:{free_port()}")
    assert (code, out) == (2, "")
    assert f"/metrics port {taken_port} on 127.0.0.1 is already in use" in err
    assert len(err.splitlines()) == 1


def test_worker_refuses_a_metrics_host_it_cannot_listen_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREPULSE_METRICS_HOST", "192.0.2.1")  # TEST-NET-1: not this host
    code, out, err = run(capsys, "worker", "--broker", f"127.0.0.1:{free_port()}")
    assert (code, out) == (2, "")
    assert err.startswith("carepulse worker: error: /metrics: cannot listen on 192.0.2.1:")
    assert err.endswith("(set by [metrics] host and port, or CAREPULSE_METRICS_HOST and "
                        "CAREPULSE_METRICS_PORT)\n")
    assert len(err.splitlines()) == 1


# --- --help and --version --------------------------------------------------------------


def subcommand_action() -> argparse._SubParsersAction[argparse.ArgumentParser]:
    found = [action for action in build_parser()._actions
             if isinstance(action, argparse._SubParsersAction)]
    assert len(found) == 1
    return found[0]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    return dict(subcommand_action().choices)


def options() -> list[tuple[str, argparse.Action, bool]]:
    """Every option of the top-level parser and of every subcommand: the command's name,
    the option, and whether a value must be given (required, or one of a required group
    such as replay's --input and --topic)."""
    parsers = {"carepulse": build_parser(), **subcommands()}
    found = []
    for name, parser in parsers.items():
        in_required_group = {
            id(action) for group in parser._mutually_exclusive_groups if group.required
            for action in group._group_actions
        }
        found += [(name, action, action.required or id(action) in in_required_group)
                  for action in parser._actions]
    return found


def test_every_subcommand_has_a_help_line_and_a_description() -> None:
    listed = {action.dest: action.help for action in subcommand_action()._choices_actions}
    assert set(listed) == set(subcommands()) == {
        "replay", "produce", "broker", "worker", "demo", "simulate", "ingest", "bridge",
    }
    for name, subparser in subcommands().items():
        assert listed[name], name
        assert subparser.description, name


@pytest.mark.parametrize(("command", "action", "required"), options(),
                         ids=[f"{name} {'/'.join(action.option_strings) or action.dest}"
                              for name, action, _ in options()])
def test_every_option_says_what_it_does_and_its_default(
    command: str, action: argparse.Action, required: bool
) -> None:
    assert action.help and action.help.strip(), f"{command}: {action.option_strings}"
    takes_a_value = action.nargs != 0 and not isinstance(
        action, argparse._SubParsersAction | argparse._HelpAction | argparse._VersionAction
    )
    if takes_a_value and not required:
        assert "default" in action.help, f"{command} {action.option_strings}: no default"


def test_from_and_to_say_rfc_3339_with_an_example() -> None:
    replay = subcommands()["replay"]
    helps = {action.dest: action.help or "" for action in replay._actions}
    assert "RFC 3339" in helps["from_us"] and "2026-11-02T00:00:00Z" in helps["from_us"]
    assert "RFC 3339" in helps["to_us"]


def test_version_prints_the_package_and_the_contract_versions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == (
        f"carepulse {metadata.version('carepulse')} (event contract v1.1; report "
        "carepulse.report/v1.1; alerts carepulse.alert/v1)\n"
    )
    assert EVENT_CONTRACT_VERSION == "v1.1" and SCHEMA_PATH.name == "event.v1.1.schema.json"


# --- the installed console script -------------------------------------------------------


def console_script() -> str:
    """The script installed next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "carepulse"
    found = str(beside) if beside.is_file() else shutil.which("carepulse")
    assert found is not None, "the carepulse console script is not installed"
    return found


def test_console_script_replays_like_the_in_process_run(
    capsys: pytest.CaptureFixture[str], field_log: Path
) -> None:
    done = subprocess.run(
        [console_script(), "replay", "--input", str(field_log)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    _, in_process, _ = run(capsys, "replay", "--input", field_log)
    assert done.stdout == in_process
    assert json.loads(done.stdout)["events"]["read"] == 8


def test_console_script_exits_2_on_a_missing_input(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    done = subprocess.run(
        [console_script(), "replay", "--input", str(missing)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"carepulse replay: error: {missing}: no such file\n"
