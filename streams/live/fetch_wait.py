"""How long the group consumer's fetches may wait: short while the worker keeps up,
longer while fetches come back empty although records are waiting.

Why: Faust hard-codes a 1.5 s fetch wait for its group consumer, and the embedded broker
holds a fetch for much of it even when records are there: the delay from produce to
`/metrics` was p99 ~1.7 s; with 50 ms it was ~0.12 s. But the embedded broker's time to
serve a fetch grows with the partition: in a soak at 2,000 events/s, once partitions
held ~490,000 records each, every 50 ms fetch came back empty, without an error, and the
worker stopped consuming (lag growing by 2,000 records/s). A plain aiokafka consumer at
the same offset got 0 records with 50 ms, 10 with 200 ms and ~21,000 with 500 ms. So each
tick that finds records waiting and none applied since the previous tick doubles the
wait (up to Faust's 1,500 ms); once the worker has caught up it is 50 ms again. Real
Kafka answers as soon as a byte is there, so it never needs the longer wait.
"""

from __future__ import annotations

from typing import Any

import faust

SHORT_WAIT_MS = 50
LONG_WAIT_MS = 1500


class FetchWait:
    def __init__(self, short_ms: int = SHORT_WAIT_MS, long_ms: int = LONG_WAIT_MS) -> None:
        self.wait_ms = self._short_ms = short_ms
        self._long_ms = long_ms
        self._consumers: list[Any] = []

    def install(self, app: faust.App) -> None:
        """Every aiokafka consumer Faust creates for the app starts with the short wait."""
        thread = app.consumer._thread  # type: ignore[attr-defined]
        create_consumer = thread._create_worker_consumer

        def create_with_short_wait(*args: Any, **kwargs: Any) -> Any:
            consumer = create_consumer(*args, **kwargs)
            consumer._fetch_max_wait_ms = self.wait_ms
            self._consumers.append(consumer)
            return consumer

        thread._create_worker_consumer = create_with_short_wait

    def update(self, lagging: bool, progressed: bool) -> None:
        """`lagging`: records wait in an owned partition; `progressed`: some were applied
        since the previous update."""
        if lagging and not progressed:
            wait_ms = min(self.wait_ms * 2, self._long_ms)
        elif not lagging:
            wait_ms = self._short_ms
        else:
            return
        if wait_ms == self.wait_ms:
            return
        self.wait_ms = wait_ms
        for consumer in self._consumers:  # the fetcher reads it for each request
            consumer._fetch_max_wait_ms = wait_ms
            fetcher = getattr(consumer, "_fetcher", None)
            if fetcher is not None:
                fetcher._fetch_max_wait_ms = wait_ms
