"""The translator as a child of `carepulse ingest`: started with the gateway, started
again when it exits (after 1 s, doubling to 30 s while it keeps failing within a minute
of its start), ended with SIGTERM when the gateway stops, and never outliving it
(streams/children.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence

from streams.children import die_with_parent

log = logging.getLogger("carepulse.ingest")
FIRST_RESTART_SECONDS = 1.0
MAX_RESTART_SECONDS = 30.0
STABLE_SECONDS = 60.0
STOP_SECONDS = 20.0


class ChildSupervisor:
    def __init__(self, name: str, argv: Sequence[str]) -> None:
        self.name = name
        self.argv = list(argv)
        self.restarts = 0
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        delay_seconds = FIRST_RESTART_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            self._process = await asyncio.create_subprocess_exec(
                *self.argv, preexec_fn=die_with_parent())
            code = await self._process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= STABLE_SECONDS:
                delay_seconds = FIRST_RESTART_SECONDS
            log.warning("the %s exited (code %d); starting it again in %g s", self.name, code,
                        delay_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay_seconds)
            delay_seconds = min(delay_seconds * 2, MAX_RESTART_SECONDS)
            self.restarts += 1

    async def stop(self) -> None:
        """SIGTERM to the child, SIGKILL after STOP_SECONDS."""
        self._stopping.set()
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._task is not None:
            await self._task
