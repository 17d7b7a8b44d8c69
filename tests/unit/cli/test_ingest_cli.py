"""`carepulse ingest` and `carepulse bridge`: mistakes are one line and exit code 2,
before anything connects."""

from __future__ import annotations

import socket

import pytest

from streams.cli.main import main
from streams.kafka.broker import free_port


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_a_taken_gateway_port_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("CAREPULSE_INGEST_PORT", str(port))
        code, err = _run(["ingest", "--no-translator"], capsys)
    assert (code, err) == (2, f"carepulse ingest: error: the gateway port {port} on 127.0.0.1 "
                              "is already in use: choose another with [ingest] port or "
                              "CAREPULSE_INGEST_PORT\n")


def test_the_translator_needs_the_customer_key_before_the_gateway_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREPULSE_INGEST_PORT", str(free_port()))
    monkeypatch.delenv("CAREPULSE_CHATWOOT_CUSTOMER_KEY", raising=False)
    code, err = _run(["ingest"], capsys)
    assert code == 2
    assert err.startswith("carepulse ingest: error: CAREPULSE_CHATWOOT_CUSTOMER_KEY is not "
                          "set: the Chatwoot bridge pseudonymises contact ids")
    assert err.count("\n") == 1


def test_bridge_replay_names_an_unknown_platform_and_the_registered_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["bridge", "replay", "--platform", "zendesk"], capsys)
    assert (code, err) == (2, "carepulse bridge: error: --platform zendesk: no such help desk "
                              "(registered: chatwoot)\n")


def test_bridge_replay_since_needs_an_instant_with_its_offset(
    capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bridge", "replay", "--since", "2026-11-02T00:00:00"])
    assert exited.value.code == 2
    assert ("'2026-11-02T00:00:00' is not an ISO 8601 instant with its offset "
            "(e.g. 2026-11-02T00:00:00Z)") in capsys.readouterr().err
