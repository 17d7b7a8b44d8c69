"""The routes of `carepulse ingest` (aiohttp).

- `POST /v1/events`: contract events (bodies.py) with a bearer token; the accepted ones
  are produced to the input topic and the answer (200) comes once the broker acknowledged
  all of them; a body of only rejected events is answered 400, nothing produced.
- `POST /webhooks/<platform>`: a help desk's delivery, verified with its signature when
  its secret is set, written untouched to its raw topic (with the platform's delivery
  headers) and answered 200 once acknowledged. The body must be a JSON object; what it
  means is the translator's business (streams/bridge), so a delivery the mapping does
  not use is answered 200 too.
- `GET /healthz`: 200 when the producer is started and the broker answers, else 503.
- `GET /metrics`: the gateway's own metrics, behind `[metrics]` basic auth when set.

Every refusal is a JSON object `{"error": "<one line>"}` naming what to fix; no answer
and no log line quotes a value of the body. A request the broker did not acknowledge in
`[ingest] ack_timeout_seconds` is answered 503: the sender must send it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from aiohttp import web

from streams.bridge.platforms import Platform, raw_topic
from streams.config import CarePulseConfig
from streams.ingest.bodies import BodyError, TooManyEvents, json_problem, parse_body
from streams.ingest.credentials import Credentials
from streams.ingest.health import BrokerProbe
from streams.ingest.producer import AckedProducer, NotAcknowledged, Record
from streams.metrics.gateway import CONTENT_TYPE, GatewayMetrics
from streams.metrics.http_security import MetricsSecurity, require_basic_auth

log = logging.getLogger("carepulse.ingest")
EVENTS_ROUTE = "/v1/events"
PLATFORM_HEADER = "carepulse-platform"
RECEIVED_HEADER = "carepulse-received-at-ms"


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


class Gateway:
    def __init__(
        self, config: CarePulseConfig, producer: AckedProducer, probe: BrokerProbe,
        credentials: Credentials, platforms: Mapping[str, Platform],
        metrics_security: MetricsSecurity, recover: Callable[[], None] = lambda: None,
    ) -> None:
        self.config = config
        self._recover = recover  # called when the broker did not acknowledge
        self.producer = producer
        self.probe = probe
        self.credentials = credentials
        self.platforms = platforms
        self.metrics = GatewayMetrics(platforms)
        self._metrics_authorization = metrics_security.authorization
        self._broker_failing = False

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._count],
                              client_max_size=self.config.ingest.max_body_bytes)
        app.router.add_post(EVENTS_ROUTE, self._events)
        app.router.add_post("/webhooks/{platform}", self._webhook)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        return app

    def route_label(self, request: web.Request) -> str:
        if request.path == EVENTS_ROUTE or request.path in ("/healthz", "/metrics"):
            return request.path
        platform = request.match_info.get("platform")
        if platform in self.platforms and request.path == f"/webhooks/{platform}":
            return request.path
        return "other"

    @web.middleware
    async def _count(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except web.HTTPException as error:
            response = error
        self.metrics.requests.labels(self.route_label(request), str(response.status)).inc()
        if isinstance(response, web.HTTPException):
            raise response
        return response

    async def _body(self, request: web.Request, route: str) -> bytes:
        """The body, or a 413 naming the limit."""
        limit = self.config.ingest.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise _too_large(request.content_length, limit)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge as error:
            raise _too_large(None, limit) from error
        self.metrics.request_bytes.labels(route).inc(len(body))
        return body

    async def _events(self, request: web.Request) -> web.Response:
        problem = self.credentials.bearer_problem(request.headers.get("Authorization", ""))
        if problem is not None:
            return web.json_response({"error": problem}, status=401,
                                     headers={"WWW-Authenticate": "Bearer"})
        started = time.perf_counter()
        body = await self._body(request, EVENTS_ROUTE)
        ingest = self.config.ingest
        try:
            parsed = parse_body(body, ingest.max_events_per_request)
        except TooManyEvents as error:
            return _error(413, str(error))
        except BodyError as error:
            return _error(400, str(error))
        rejected = [{"index": index, "reason": r.reason, "field": r.field, "detail": r.detail}
                    for index, r in parsed.rejected]
        self.metrics.events.labels("rejected").inc(len(rejected))
        answer = {"accepted": len(parsed.accepted), "rejected": rejected}
        if not parsed.accepted:
            return web.json_response(answer, status=400)
        topic = self.config.kafka.input_topic
        failed = await self._produce(
            [Record(topic, key, value) for key, value in parsed.accepted], EVENTS_ROUTE, started
        )
        if failed is not None:
            return failed
        self.metrics.events.labels("accepted").inc(len(parsed.accepted))
        return web.json_response(answer)

    async def _webhook(self, request: web.Request) -> web.Response:
        platform = self.platforms.get(request.match_info["platform"])
        if platform is None:
            known = ", ".join(sorted(self.platforms)) or "none"
            return _error(404, f"no such platform (registered: {known})")
        route = f"/webhooks/{platform.name}"
        started = time.perf_counter()
        body = await self._body(request, route)
        secret = self.credentials.secrets.get(platform.name)
        if secret is not None:
            problem = platform.verify(secret, request.headers, body)
            if problem is not None:
                return _error(401, problem)
        problem = _json_object_problem(body)
        if problem is not None:
            return _error(400, problem)
        headers = [(PLATFORM_HEADER, platform.name.encode()),
                   (RECEIVED_HEADER, str(time.time_ns() // 1_000_000).encode())]
        headers += [(name.lower(), request.headers[name].encode())
                    for name in platform.kept_headers if name in request.headers]
        topic = raw_topic(self.config.ingest.raw_topic_prefix, platform)
        failed = await self._produce([Record(topic, None, body, headers)], route, started)
        if failed is not None:
            return failed
        self.metrics.webhooks.labels(platform.name).inc()
        return web.json_response({"stored": True})

    async def _produce(
        self, records: list[Record], route: str, started: float
    ) -> web.Response | None:
        """None once acknowledged; else the 503 to answer."""
        try:
            await self.producer.produce(records)
        except NotAcknowledged as error:
            if not self._broker_failing:
                log.warning("the broker did not acknowledge a request (%s): answering 503 "
                            "until it does", error)
            self._broker_failing = True
            self._recover()
            return _error(503, f"the broker did not acknowledge the records ({error}); "
                               "nothing is confirmed: send the request again")
        if self._broker_failing:
            log.info("the broker acknowledges requests again")
            self._broker_failing = False
        self.metrics.ack_seconds.labels(route).observe(time.perf_counter() - started)
        return None

    async def _healthz(self, request: web.Request) -> web.Response:
        if not self.producer.ready:
            return _error(503, "the producer is not connected to the broker yet")
        problem = await self.probe.problem()
        if problem is not None:
            return _error(503, problem)
        return web.json_response({"status": "ok"})

    async def _metrics(self, request: web.Request) -> web.Response:
        if self._metrics_authorization is not None:
            require_basic_auth(request, self._metrics_authorization)
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


def _too_large(size: int | None, limit: int) -> web.HTTPRequestEntityTooLarge:
    told = f" ({size:,} bytes)" if size is not None else ""
    return web.HTTPRequestEntityTooLarge(
        max_size=limit, actual_size=size or limit + 1,
        text=orjson.dumps({"error": f"the body is too large{told}; at most {limit:,} bytes "
                                    "([ingest] max_body_bytes)"}).decode(),
        content_type="application/json",
    )


def _json_object_problem(body: bytes) -> str | None:
    """Why a webhook body is not a JSON object, or None."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        return json_problem(body, error)
    return None if isinstance(value, dict) else "the body is not a JSON object"
