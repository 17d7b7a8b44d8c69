"""`carepulse demo --source chatwoot` end to end: a real demo process with its broker,
worker, gateway and translator; the worker counts exactly what the simulated Chatwoot
webhooks map to, and SIGINT stops every process it started."""

from __future__ import annotations

import itertools
import re
import signal
from collections import Counter
from pathlib import Path

import orjson
import pytest

from streams.bridge.chatwoot import translate
from streams.bridge.settings import ChatwootSettings
from streams.kafka.broker import free_port
from streams.testing.chatwoot_traffic import endless_deliveries
from tests.live.test_demo import Demo, demo_factory, gone, process_tree  # noqa: F401 (fixture)

pytestmark = pytest.mark.broker

WEBHOOKS = 150
GATEWAY_PID = re.compile(r"gateway pid (\d+)")


def expected_counts() -> Counter[str]:
    """What the demo's first WEBHOOKS deliveries (seed 1) map to: the counts do not depend
    on the clock nor on the customer key."""
    clock = itertools.count(1_795_165_200_000_000, 1000)
    settings = ChatwootSettings(customer_key=b"any-key-of-16-bytes-or-more")
    counts: Counter[str] = Counter()
    for delivery in itertools.islice(endless_deliveries(1, lambda: next(clock)), WEBHOOKS):
        translation = translate(orjson.dumps(delivery), settings)
        assert translation.rejected is None
        counts["events"] += len(translation.events)
        for event in translation.events:
            counts[event["type"]] += 1
            if event["type"] == "reply.sent":
                counts[f"reply.{event['author_type']}"] += 1
    return counts


def test_the_chatwoot_demo_counts_what_its_webhooks_map_to_and_stops_cleanly(
    tmp_path: Path, demo_factory: list[Demo],  # noqa: F811 (the fixture)
) -> None:
    expected = expected_counts()
    demo = Demo(tmp_path, "--source", "chatwoot", "--gateway-port", str(free_port()),
                "--rate", "50", "--events", str(WEBHOOKS))
    demo_factory.append(demo)
    broker_pid, worker_pid = demo.child_pids(timeout_seconds=60)
    gateway_pid = int(GATEWAY_PID.findall(demo.stderr_path.read_text())[0])
    read = demo.wait_for("carepulse_events_read_total", more_than=expected["events"] - 1,
                         timeout_seconds=90)
    assert read == expected["events"]
    samples = demo.samples()
    assert samples is not None

    def summed(name: str, **labels: str) -> float:
        return sum(s.value for s in samples if s.name == name
                   and labels.items() <= s.labels.items())

    assert summed("carepulse_messages_received_total") == expected["message.received"]
    for author in ("agent", "bot", "automation"):
        assert summed("carepulse_replies_sent_total", author_type=author) == (
            expected[f"reply.{author}"]), author
    assert summed("carepulse_conversations_resolved_total") == expected["conversation.resolved"]
    assert summed("carepulse_survey_responses_total") == expected["survey.answered"]
    assert summed("carepulse_events_rejected_total") == 0
    assert summed("carepulse_events_duplicate_total") == 0
    assert {s.labels["brand"] for s in samples if s.name == "carepulse_messages_received_total"
            } <= {"synthetic-care", "synthetic-travel"}

    tree = process_tree(demo.process.pid, {broker_pid, worker_pid, gateway_pid})
    assert {broker_pid, worker_pid, gateway_pid} <= tree
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(timeout=60) == 0, demo.output()
    assert [pid for pid in tree if not gone(pid, 5)] == []
    out = demo.stdout_path.read_text()
    assert f"stopped after sending {WEBHOOKS} webhooks" in out
    assert "failed" not in out
