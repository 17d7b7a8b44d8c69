"""`carepulse demo --source chatwoot`: simulated Chatwoot webhook deliveries posted to the
gateway (`carepulse ingest`), signed as Chatwoot signs them, at a live rate.

Each delivery is built at the moment it is sent (streams.testing.chatwoot_traffic), so
its times are the wall clock's, and posted to `/webhooks/chatwoot` with Chatwoot's
headers (delivery id, timestamp, `sha256=` signature). The gateway answers only once the
broker holds the delivery; an answer other than 2xx counts as failed, as Chatwoot would
count it.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import orjson

from streams.bridge.chatwoot import signed_headers
from streams.cli.demo.traffic import WallClock, wait_until_due
from streams.testing.chatwoot import Payload
from streams.testing.chatwoot_traffic import endless_deliveries

WEBHOOK_PATH = "/webhooks/chatwoot"
REQUEST_TIMEOUT_SECONDS = 10.0
HTTP_OK_RANGE = range(200, 300)


class WebhookFeeder(threading.Thread):
    """Posts up to `deliveries` (None: until `stop`) at `rate_per_second`."""

    def __init__(
        self, host: str, port: int, secret: bytes, seed: int, rate_per_second: float,
        deliveries: int | None, stop: threading.Event,
    ) -> None:
        super().__init__(name="carepulse-demo-webhooks", daemon=True)
        self._host, self._port, self._secret = host, port, secret
        self._seed = seed
        self._interval_seconds = 1.0 / rate_per_second
        self._limit = deliveries
        self._stop_event = stop
        self.sent = 0
        self.failed = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        clock = WallClock()
        deliveries: Iterator[Payload] = endless_deliveries(self._seed, clock.now_us)
        connection = http.client.HTTPConnection(self._host, self._port,
                                                timeout=REQUEST_TIMEOUT_SECONDS)
        due_at = time.monotonic() - self._interval_seconds
        try:
            while self._limit is None or self.sent < self._limit:
                due_at = wait_until_due(due_at + self._interval_seconds, self._stop_event)
                if self._stop_event.is_set():
                    return
                self._post(connection, orjson.dumps(next(deliveries)), clock.now_us)
        except Exception as error:  # the feeder's end, with its reason, ends the demo
            self.error = error
        finally:
            connection.close()

    def _post(self, connection: http.client.HTTPConnection, body: bytes,
              now_us: Callable[[], int]) -> None:
        headers = signed_headers(self._secret, now_us() // 1_000_000, body, str(uuid.uuid4()))
        try:
            connection.request("POST", WEBHOOK_PATH, body, headers)
            response = connection.getresponse()
            response.read()
            ok = response.status in HTTP_OK_RANGE
        except (OSError, http.client.HTTPException):
            connection.close()  # reconnects at the next request
            ok = False
        self.sent += 1
        self.failed += 0 if ok else 1
