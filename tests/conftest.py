"""Fixtures shared across test files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.kafka.broker import EmbeddedBroker, free_port

pytest.register_assert_rewrite("tests.live_fixtures")  # its helpers' asserts explain
# the live fixtures for every test file (imported after the rewrite is registered)
from tests.live_fixtures import broker, start_worker, started_workers  # noqa: E402, F401


@pytest.fixture(scope="session")
def embedded_broker() -> Iterator[EmbeddedBroker]:
    """One embedded broker for the whole session; tests use topics of their own."""
    with EmbeddedBroker(port=free_port()) as running:
        yield running
