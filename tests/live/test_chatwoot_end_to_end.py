"""Chatwoot to the wall: the hand-computed scenario of docs/chatwoot.md posted, signed,
through the real gateway (`carepulse ingest` with its translator) to a real worker on the
embedded broker; its KPIs on the worker's `/metrics` and in `replay --topic` are the
numbers computed by hand, and every webhook delivered twice changes only the duplicate
count."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.bridge.chatwoot import translate
from streams.config import load_config
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.testing import report_of
from streams.testing.chatwoot_traffic import scenario_deliveries
from streams.testing.worker import WorkerProcess, total
from tests.helpers import run_cli
from tests.live.fixtures import assert_metrics_equal_replay, replayed, worker_config

pytestmark = pytest.mark.broker

SECRET = "synthetic-webhook-secret"
CUSTOMER_KEY = "synthetic-customer-key-0123456789"
CHANNEL = {"brand": "default", "channel": "whatsapp"}
HAND_COMPUTED_TOTALS = {
    "messages_received": 3,
    "replies_sent": 4,
    "replies_by_author": {"agent": 2, "bot": 1, "automation": 1},
    "answered_messages": 3,
    "response_rate": 1.0,
    "conversations_opened": 2,
    "conversations_reopened": 1,
    "conversations_resolved": 1,
    "resolution_rate": 0.5,
    # 09:05:10.5 - the handoff at 09:02:10.5
    "first_response_seconds": {"count": 1, "mean": 180.0, "p50": 180.0, "p90": 180.0,
                               "max": 180.0},
    # 180 s (as above) and 09:10:00 - 09:08:00
    "reply_wait_seconds": {"count": 2, "mean": 150.0, "p50": 120.0, "p90": 180.0,
                           "max": 180.0},
    # 09:12:00.25 - 09:00:00
    "resolution_seconds": {"count": 1, "mean": 720.25, "p50": 720.25, "p90": 720.25,
                           "max": 720.25},
    # no pending (snoozed) period: the requester waited the whole resolution
    "requester_wait_seconds": {"count": 1, "mean": 720.25, "p50": 720.25, "p90": 720.25,
                               "max": 720.25},
    # 09:03:00 - 09:00:00; the reopened cycle keeps its assignee: no second sample
    "time_to_assignment_seconds": {"count": 1, "mean": 180.0, "p50": 180.0, "p90": 180.0,
                                   "max": 180.0},
    "reassignments": 1,  # agent 7 to agent 8
    "one_touch_resolutions": 0,  # two agent replies before the resolution
    "one_touch_rate": 0.0,
    "csat": {"responses": 1, "mean": 4.0, "score": 1.0},
}
MAPPED_EVENTS = 13  # of the 17 deliveries: 3 status twins and the private note map to none


def post(url: str, body: bytes, timestamp: int, delivery: str) -> int:
    signature = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Chatwoot-Delivery": delivery,
        "X-Chatwoot-Timestamp": str(timestamp),
        "X-Chatwoot-Signature": "sha256=" + signature.hexdigest(),
    })
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def wait_healthy(gateway: WorkerProcess, timeout_seconds: float = 90) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        gateway.check_alive()
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{gateway.metrics_port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the gateway was not healthy; log:\n{gateway.log_tail()}")


def test_the_scenario_twice_through_the_gateway_gives_the_hand_computed_kpis(
    embedded_broker: EmbeddedBroker, tmp_path: Path, started_workers: list[WorkerProcess],
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = "chatwoot-e2e"
    gateway_port, metrics_port = free_port(), free_port()
    config_path = worker_config(
        tmp_path / "carepulse.toml", name, metrics_port,
        extra_toml=f'[ingest]\nport = {gateway_port}\nraw_topic_prefix = "{name}.raw."\n')
    environment = {"CAREPULSE_CHATWOOT_SECRET": SECRET,
                   "CAREPULSE_CHATWOOT_CUSTOMER_KEY": CUSTOMER_KEY}
    gateway = WorkerProcess(config_path, embedded_broker.url, gateway_port,
                            tmp_path / "gateway.log", environment, command="ingest",
                            port_variable="CAREPULSE_INGEST_PORT").start()
    started_workers.append(gateway)
    worker = WorkerProcess(config_path, embedded_broker.url, metrics_port,
                           tmp_path / "worker.log").start()
    started_workers.append(worker)
    wait_healthy(gateway)

    url = f"http://127.0.0.1:{gateway_port}/webhooks/chatwoot"
    clock = itertools.count(1_795_165_200)
    for delivery in scenario_deliveries():
        body, delivery_id = orjson.dumps(delivery), str(uuid.uuid4())
        # Chatwoot's retry: the same body and delivery id, a new timestamp and signature
        assert [post(url, body, next(clock), delivery_id) for _ in range(2)] == [200, 200]

    live = worker.wait_for(
        lambda m: total(m, "carepulse_events_read_total") == 2 * MAPPED_EVENTS, 120)
    assert total(live, "carepulse_events_duplicate_total") == MAPPED_EVENTS
    assert total(live, "carepulse_events_rejected_total") == 0
    assert total(live, "carepulse_messages_received_total", **CHANNEL) == 3
    assert {author: total(live, "carepulse_replies_sent_total", author_type=author)
            for author in ("agent", "bot", "automation")} == {"agent": 2, "bot": 1,
                                                              "automation": 1}
    assert total(live, "carepulse_conversations_opened_total", **CHANNEL) == 2
    assert total(live, "carepulse_conversations_resolved_total", **CHANNEL) == 1
    assert total(live, "carepulse_open_conversations", **CHANNEL) == 1  # the reopened one
    for metric, count, seconds in (("first_response_seconds", 1, 180.0),
                                   ("reply_wait_seconds", 2, 300.0),
                                   ("resolution_seconds", 1, 720.25)):
        assert total(live, f"carepulse_{metric}_count", **CHANNEL) == count, metric
        assert total(live, f"carepulse_{metric}_sum", **CHANNEL) == pytest.approx(seconds)
    assert total(live, "carepulse_survey_responses_total", survey="csat", score="4") == 1

    code, out, err = run_cli(capsys, "replay", "--topic", f"{name}.events", "--broker",
                             embedded_broker.url, "--config", config_path)
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert {key: report["totals"][key] for key in HAND_COMPUTED_TOTALS} == HAND_COMPUTED_TOTALS
    assert report["events"] == {"read": 26, "accepted": 13, "rejected": 0, "duplicates": 13,
                                "ignored": 0, "out_of_order": 0}
    billing = report["by_team"]["billing"]
    assert (billing["replies"], billing["conversations_resolved"],
            billing["first_response_seconds"]["mean"]) == (2, 1, 180.0)
    run = replayed(embedded_broker, f"{name}.events")
    assert run.report() == report
    assert_metrics_equal_replay(live, run)
    assert _without_duplicates(report) == _without_duplicates(_delivered_once())

    for log in (gateway.log, worker.log):  # nothing that identifies the customer
        text = log.read_text(errors="replace")
        assert "Customer 901" not in text and "+15550100901" not in text
        assert "synthetic message" not in text


def _delivered_once() -> dict[str, Any]:
    """The report of the scenario's events, each delivered once."""
    settings = load_config(None).chatwoot.bridge_settings(
        {"CAREPULSE_CHATWOOT_CUSTOMER_KEY": CUSTOMER_KEY})
    return report_of(event for delivery in scenario_deliveries()
                     for event in translate(orjson.dumps(delivery), settings).events)


def _without_duplicates(report: dict[str, Any]) -> dict[str, Any]:
    """The report less what a second delivery may change: the records read, the
    duplicates, and the digest of the whole."""
    events = {key: value for key, value in report["events"].items()
              if key not in ("read", "duplicates")}
    return {**report, "events": events, "digest": None}
