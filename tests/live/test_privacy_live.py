"""Privacy: during a full simulated scenario with bad lines, no customer id, conversation
id or message field value appears in `/metrics`, in the worker's log at INFO, in the
dead letters' headers, in the CLI's messages or in what `carepulse dlq` prints."""

from __future__ import annotations

import hashlib
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.events import KNOWN_CHANNELS
from streams.testing.simulate import generate_lines
from tests.helpers import run_cli
from tests.live.fixtures import AnyBroker, WorkerProcess, read_topic, total

pytestmark = pytest.mark.broker

PRIVATE_FIELDS = ("event_id", "conversation_id", "customer_id", "agent_id", "brand", "team",
                  "topic", "quick_reply")
"""Text fields of the events (docs/events.md), plus `tags` and unknown channel names."""
HASH = re.compile(rb"[0-9a-f]{12}")  # searched in lower-cased text


def private(value: str) -> str:
    """A recognisable stand-in: `p` and 12 hex digits, unique per value."""
    return "p" + hashlib.sha256(value.encode()).hexdigest()[:12]


def pseudonymised(line: bytes) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(line)
    for field in PRIVATE_FIELDS:
        if field in body:
            body[field] = private(f"{field}:{body[field]}")
    if "tags" in body:
        body["tags"] = [private(f"tag:{tag}") for tag in body["tags"]]
    if body["channel"] not in KNOWN_CHANNELS:
        body["channel"] = private(f"channel:{body['channel']}")
    return body


def hostile(body: dict[str, Any], number: int) -> list[dict[str, Any] | bytes]:
    """Bad records that carry private values where the validator reads them."""
    secret = private(f"bad:{number}")
    return [
        {**body, "type": secret},
        {**body, "occurred_at": secret},
        {**body, "sentiment": secret, "type": "message.received"},
        {**body, "priority": secret},
        {**body, "channel": secret.upper()},
        {**body, "currency": secret, "amount": 1, "type": "sale.attributed"},
        {**body, "score": secret, "survey": "csat", "type": "survey.answered"},
        {**body, "author_type": secret, "type": "reply.sent"},
        {**body, "tags": [secret] * 40, "type": "conversation.tagged"},
        {**body, "customer_id": secret * 20, "type": "message.received"},
        orjson.dumps({**body, "occurred_at": "2026-11-02T00:00:00"})[:-7],  # truncated
        orjson.dumps(body).replace(b'"conversation_id":"', b'"conversation_id":"\xff'),
    ]


def test_no_private_value_reaches_metrics_logs_headers_or_cli_messages(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess],
    capsys: pytest.CaptureFixture[str],
) -> None:
    records: list[bytes] = []
    for number, line in enumerate(generate_lines(3000, seed=31)):
        body = pseudonymised(line)
        records.append(orjson.dumps(body))
        if number % 100 == 0:
            records += [item if isinstance(item, bytes) else orjson.dumps(item)
                        for item in hostile(body, number)]
    secrets = found(b"\n".join(records))
    assert len(secrets) > 3000  # event ids alone are 3000
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(records) + b"\n")

    worker = start_worker("privacy")
    refused = run_cli(capsys, "produce", "--input", events, "--broker", broker.url,
                      "--topic", "privacy.events")
    assert refused[0] == 2 and f"{events}:2: " in refused[2]  # names line and field
    sent = run_cli(capsys, "produce", "--raw", "--input", events, "--broker", broker.url,
                   "--topic", "privacy.events")
    assert sent[0] == 0
    m = worker.wait_for(lambda m: total(m, "carepulse_events_read_total") == len(records))
    rejected = int(total(m, "carepulse_events_rejected_total"))
    assert rejected == 30 * 12
    url = f"http://127.0.0.1:{worker.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        exposition: bytes = response.read()
    dead = read_topic(broker, "privacy.dlq", expected=rejected)
    assert len(dead) == rejected
    headers = b"\n".join(value for letter in dead for _, value in letter.headers)
    replayed_dlq = run_cli(capsys, "replay", "--topic", "privacy.dlq", "--broker", broker.url,
                           "--rejects", tmp_path / "rejects.jsonl", "--format", "table")
    replayed_file = run_cli(capsys, "replay", "--input", events, "--format", "json")
    dlq = run_cli(capsys, "dlq", "--topic", "privacy.dlq", "--broker", broker.url)
    assert (dlq[0], len(dlq[1].splitlines())) == (0, rejected)
    assert worker.stop() == 0
    log = worker.log.read_bytes()
    assert b"INFO" in log and b"carepulse_events_rejected_total" in exposition

    outputs = {
        "/metrics": exposition, "worker log": log, "DLQ headers": headers,
        "produce errors": refused[2].encode(),
        "produce output": (sent[1] + sent[2]).encode(),
        "replay --topic DLQ errors": replayed_dlq[2].encode(),
        "replay --input errors": replayed_file[2].encode(),
        "dlq output": (dlq[1] + dlq[2]).encode(),
    }
    for name, text in outputs.items():
        leaked = found(text) & secrets
        assert not leaked, f"{len(leaked)} private values in the {name}"
    # the check can see a leak: the DLQ keeps the records themselves, keys included
    assert found(b"\n".join(letter.key or b"" for letter in dead)) & secrets


def found(text: bytes) -> set[bytes]:
    return set(HASH.findall(text.lower()))
