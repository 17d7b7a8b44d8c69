"""Fixtures shared across test files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.kafka.broker import EmbeddedBroker, free_port

# The live fixtures (broker, start_worker, started_workers) for every test file; a
# plugin's asserts are rewritten, so its helpers' failures explain themselves.
pytest_plugins = ["tests.live.fixtures"]


@pytest.fixture(scope="session")
def embedded_broker() -> Iterator[EmbeddedBroker]:
    """One embedded broker for the whole session; tests use topics of their own."""
    with EmbeddedBroker(port=free_port()) as running:
        yield running
