"""What a person sees of a running worker: a quiet console with one-line summaries, and
an index page at the root of its /metrics address."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.kafka.produce import produce_file
from streams.testing.simulate import write_file
from tests.live.fixtures import AnyBroker, WorkerProcess, total

pytestmark = pytest.mark.broker


def test_the_console_is_quiet_and_the_root_page_says_what_the_worker_owns(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    events = tmp_path / "events.jsonl"
    write_file(events, 1_000, seed=3, bad_fraction=0.02)
    produce_file(events, broker.url, "console.events")
    worker = start_worker("console")
    worker.wait_for(lambda m: total(m, "carepulse_events_read_total") == 1_000)
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.metrics_port}/") as response:
        page = response.read().decode()
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<a href="/metrics">' in page
    assert "Consumer group <code>console</code> on the input topic <code>console.events" in page
    assert "owns partitions [0, 1, 2, 3] of 4 (0 restoring)" in page
    assert ("1,000 events read, 20 rejected (invalid_field 9, invalid_json 5, invalid_utf8 1, "
            "missing_field 2, unknown_type 3), 3 duplicates") in page
    assert worker.stop() == 0
    log = worker.log.read_text()
    assert not {"┌", "│", "└"} & set(log)  # no Faust banner boxes
    assert "owns partitions [0, 1, 2, 3] of 4 (0 restoring)" in log
    assert len(log.splitlines()) < 40, log
