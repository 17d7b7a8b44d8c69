"""Waiting for the broker before the Faust worker starts.

Why: Faust gives up at once when the broker does not answer at start (a traceback and
exit code 1), so a worker started before its broker, or during a broker restart, would
crash-loop under a supervisor. The worker first bootstraps a plain client: while the
broker is unreachable it prints one line per attempt and retries with exponential
backoff (0.5 s doubling to 30 s); SIGINT or SIGTERM while waiting ends it cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import IO

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

from streams.config import KafkaConfig
from streams.kafka.settings import client_logs_quiet, client_security

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
PROBE_TIMEOUT_SECONDS = 5.0


def wait_for_broker(
    kafka: KafkaConfig, out: IO[str] = sys.stderr,
    first_retry_seconds: float = FIRST_RETRY_SECONDS,
    max_retry_seconds: float = MAX_RETRY_SECONDS,
) -> bool:
    """True once the broker answers; False if SIGINT or SIGTERM came first."""
    with client_logs_quiet():
        return asyncio.run(_wait(kafka, out, first_retry_seconds, max_retry_seconds))


async def _wait(
    kafka: KafkaConfig, out: IO[str], first_retry_seconds: float, max_retry_seconds: float
) -> bool:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        delay_seconds, attempt = first_retry_seconds, 1
        while not await _answers(kafka):
            print(f"carepulse worker: broker {kafka.bootstrap_servers} unreachable "
                  f"(attempt {attempt}); retrying in {delay_seconds:g} s", file=out, flush=True)
            try:
                await asyncio.wait_for(stop.wait(), delay_seconds)
            except TimeoutError:
                delay_seconds = min(delay_seconds * 2, max_retry_seconds)
                attempt += 1
                continue
            return False
        if attempt > 1:
            print(f"carepulse worker: broker {kafka.bootstrap_servers} answers", file=out,
                  flush=True)
        return True
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


async def _answers(kafka: KafkaConfig) -> bool:
    client = AIOKafkaClient(
        bootstrap_servers=kafka.bootstrap_servers, client_id="carepulse-worker-probe",
        request_timeout_ms=int(PROBE_TIMEOUT_SECONDS * 1000), **client_security(kafka),
    )
    try:
        await asyncio.wait_for(client.bootstrap(), PROBE_TIMEOUT_SECONDS)
    except (KafkaError, TimeoutError, OSError):
        return False
    finally:
        await client.close()
    return True
