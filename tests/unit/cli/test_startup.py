"""What `carepulse replay --input` loads: the whole parser (every command module), but
none of the libraries the other commands run on (streams/cli/__init__.py says how).

The replay runs in a fresh interpreter, so `sys.modules` holds what this one command
imported and nothing a test before it did.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EVENT = (b'{"event_id":"e-1","type":"message.received","occurred_at":"2026-11-02T00:00:17Z",'
         b'"conversation_id":"c-1","channel":"linkedin","customer_id":"u-1"}\n')
REPLAY_AND_LIST_MODULES = """
import json, sys
from streams.cli.main import main
code = main(["replay", "--input", sys.argv[1], "--out", sys.argv[2]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""
OTHER_COMMANDS_LIBRARIES = (
    "aiokafka", "kafka", "aiohttp", "faust", "mode", "prometheus_client",
    "streams.kafka", "streams.live", "streams.ingest", "streams.metrics", "streams.state",
    "streams.testing", "streams.bridge.platforms", "streams.audit.topic_replay",
    "streams.cli.demo.command", "streams.cli.alerts_output", "streams.cli.dlq_output",
)
"""Kafka clients, the HTTP server, Faust, Prometheus, our live and Kafka layers, the
simulator and worker harness, the help desks' mappings, the demo, the topic readers."""
COMMAND_MODULES = ("replay", "produce", "broker", "worker", "ingest", "bridge", "demo",
                   "simulate", "alerts", "dlq")


def loaded_by(name: str, modules: list[str]) -> list[str]:
    """The modules that are `name` or inside it."""
    return [module for module in modules if module == name or module.startswith(name + ".")]


def test_replay_of_a_file_builds_every_command_but_loads_none_of_their_libraries(
    tmp_path: Path,
) -> None:
    events, report = tmp_path / "events.jsonl", tmp_path / "report.json"
    events.write_bytes(EVENT)
    done = subprocess.run(
        [sys.executable, "-c", REPLAY_AND_LIST_MODULES, str(events), str(report)],
        capture_output=True, text=True, check=False, timeout=120, cwd=ROOT,
    )
    assert (done.returncode, done.stderr) == (0, "")
    child = json.loads(done.stdout)
    assert child["code"] == 0
    assert json.loads(report.read_text(encoding="utf-8"))["events"] == {
        "read": 1, "accepted": 1, "rejected": 0, "duplicates": 0, "ignored": 0,
        "out_of_order": 0,
    }
    modules = child["modules"]
    assert [name for name in COMMAND_MODULES if f"streams.cli.{name}" not in modules] == []
    assert [name for name in OTHER_COMMANDS_LIBRARIES if loaded_by(name, modules)] == []
