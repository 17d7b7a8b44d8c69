"""The HTTP server of `/metrics`, on the worker's event loop (aiohttp).

No scrape can take the worker down: an error of the collector is answered with a 500
and a one-line body, and logged once (its type, message and where it was raised; the
same error again is not logged, as Prometheus scrapes every few seconds); the worker
goes on consuming.
"""

from __future__ import annotations

import html
import logging
import traceback

from aiohttp import web
from prometheus_client import CollectorRegistry

from streams.metrics.collector import WorkerCollector, WorkerView
from streams.metrics.exposition import Exposition
from streams.metrics.http_security import OPEN, MetricsSecurity, basic_auth

log = logging.getLogger("carepulse.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
INDEX_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>CarePulse worker</title></head>
<body><h1>CarePulse worker</h1>
<p>Consumer group <code>{app_id}</code> on the input topic <code>{topic}</code>.</p>
<p>This worker {summary}.</p>
<p><a href="/metrics">/metrics</a>: the Prometheus metrics of its partitions.</p>
</body></html>
"""
MAX_LOGGED_ERRORS = 100
"""Distinct collector errors logged at most; later new ones are only counted."""
MAX_MESSAGE_CHARS = 200


class MetricsServer:
    def __init__(
        self, worker: WorkerView, host: str, port: int,
        security: MetricsSecurity = OPEN,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.config = worker.config
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(WorkerCollector(worker))
        self._worker = worker
        self._exposition = Exposition()
        self._runner: web.AppRunner | None = None
        self._logged_errors: set[tuple[str, str, str]] = set()
        self.failed_scrapes = 0

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            body = self._exposition.render(self.registry.collect())
        except Exception as error:  # a bug in a collector must not end the worker
            return self._failed(error)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def _index(self, request: web.Request) -> web.Response:
        """A page for a person who opens the worker's address in a browser."""
        return web.Response(content_type="text/html", text=INDEX_PAGE.format(
            app_id=html.escape(self.config.kafka.app_id),
            topic=html.escape(self.config.kafka.input_topic),
            summary=html.escape(self._worker.summary()),
        ))

    def _failed(self, error: Exception) -> web.Response:
        """A 500 with a one-line body; the error logged the first time it happens."""
        self.failed_scrapes += 1
        kind = type(error).__name__
        lines = str(error).strip().splitlines()
        message = lines[0][:MAX_MESSAGE_CHARS] if lines else ""
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
        key = (kind, message, where)
        if key not in self._logged_errors and len(self._logged_errors) < MAX_LOGGED_ERRORS:
            self._logged_errors.add(key)
            log.error("/metrics: the collector failed (scrape %d): %s: %s (at %s); answered "
                      "500, the worker goes on; this error is not logged again",
                      self.failed_scrapes, kind, message, where)
        return web.Response(
            status=500, text=f"collecting the metrics failed ({kind}); see the worker's log\n"
        )

    async def start(self) -> None:
        authorization = self.security.authorization
        app = web.Application(middlewares=[] if authorization is None else [
            basic_auth(authorization)
        ])
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/", self._index)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self.port, ssl_context=self.security.ssl_context
        )
        await site.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
