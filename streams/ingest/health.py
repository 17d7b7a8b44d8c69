"""`GET /healthz`: does the broker answer? One long-lived client asks it for metadata,
at most once per `CACHE_SECONDS` (a flood of health checks is one request per second to
the broker), and waits at most `PROBE_TIMEOUT_SECONDS`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

PROBE_TIMEOUT_SECONDS = 2.0
CACHE_SECONDS = 1.0


class BrokerProbe:
    def __init__(self, bootstrap_servers: str, security: Mapping[str, Any]) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers, client_id="carepulse-ingest-health",
            request_timeout_ms=int(PROBE_TIMEOUT_SECONDS * 1000), **security,
        )
        self._started = False
        self._checked_at = -CACHE_SECONDS
        self._problem: str | None = "not checked yet"
        self._lock = asyncio.Lock()

    async def problem(self) -> str | None:
        """None when the broker answered; else why not, in one line."""
        async with self._lock:
            if time.monotonic() - self._checked_at >= CACHE_SECONDS:
                self._problem = await self._ask()
                self._checked_at = time.monotonic()
            return self._problem

    async def _ask(self) -> str | None:
        try:
            if not self._started:
                await asyncio.wait_for(self._client.bootstrap(), PROBE_TIMEOUT_SECONDS)
                self._started = True
            await asyncio.wait_for(self._client.fetch_all_metadata(), PROBE_TIMEOUT_SECONDS)
        except (KafkaError, TimeoutError, OSError) as error:
            return f"broker {self.bootstrap_servers} does not answer ({type(error).__name__})"
        return None

    async def close(self) -> None:
        await self._client.close()
