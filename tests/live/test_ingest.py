"""`carepulse ingest` on a real (embedded) broker: what each route answers and what
reaches the topics, read back with a plain consumer; bad input as an attacker sends it:
a clear 4xx, nothing produced, nothing in the logs that identifies a customer."""

from __future__ import annotations

import logging
import ssl
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from schemas.events import EVENT_CONTRACT_VERSION
from streams.config import ConfigError, IngestConfig
from streams.kafka.broker import EmbeddedBroker
from streams.metrics.http_security import tls_context
from streams.metrics.scrape import scrape
from streams.testing import Scenario
from streams.testing.worker import Samples, total
from tests.live.ingest_helpers import (
    ACME,
    SIGNATURE_HEADER,
    ThreadGateway,
    acme_signature,
    call,
    gateway_config,
    read_topic,
)
from tests.live.test_security import self_signed

pytestmark = pytest.mark.broker
TOKEN = "s3cret-token"
SECRET = b"acme-webhook-secret"
ENVIRON = {"CAREPULSE_INGEST_TOKEN": f"old-token, {TOKEN}",
           "CAREPULSE_ACME_SECRET": SECRET.decode()}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
CUSTOMER = "cust-4242"  # must never reach a log line


@pytest.fixture(scope="module")
def gateway(embedded_broker: EmbeddedBroker) -> Iterator[ThreadGateway]:
    config = gateway_config(embedded_broker.url, "ingest", max_body_bytes=65_536,
                            max_events_per_request=5)
    with ThreadGateway(config, ENVIRON, {"acme": ACME}) as running:
        yield running


def _events(*conversations: str) -> list[bytes]:
    s = Scenario()
    for number, conversation in enumerate(conversations):
        s.message("10:00", conversation, event_id=f"{conversation}-e{number}",
                  customer_id=CUSTOMER)
    return list(s.lines())


def _topic(gateway: ThreadGateway, kind: str) -> list[object]:
    config = gateway.config
    name = {"events": config.kafka.input_topic,
            "raw": f"{config.ingest.raw_topic_prefix}acme"}[kind]
    return read_topic(config.kafka.bootstrap_servers, name)


def _counts(gateway: ThreadGateway) -> tuple[int, int]:
    return len(_topic(gateway, "events")), len(_topic(gateway, "raw"))


def test_valid_events_are_produced_keyed_by_conversation_and_rejections_answered(
    gateway: ThreadGateway,
) -> None:
    before = len(_topic(gateway, "events"))
    good = _events("ok-1", "ok-2")
    body = b"[" + b",".join([good[0], b'{"type": "ticket.opened"}', good[1]]) + b"]"
    answer = call(gateway.url + "/v1/events", body, BEARER)
    assert answer.status == 200
    assert answer.json() == {"accepted": 2, "rejected": [
        {"index": 1, "reason": "unknown_type", "field": "type",
         "detail": f"not an event type of contract {EVENT_CONTRACT_VERSION}"}]}
    records = _topic(gateway, "events")[before:]
    assert sorted((r.key, orjson.loads(r.value)["event_id"]) for r in records) == [
        (b"ok-1", "ok-1-e0"), (b"ok-2", "ok-2-e1")]


def test_ndjson_with_the_second_token_is_accepted(gateway: ThreadGateway) -> None:
    before = len(_topic(gateway, "events"))
    lines = _events("nd-1")
    answer = call(gateway.url + "/v1/events", b"\n".join(lines) + b"\n",
                  {"Authorization": "Bearer old-token"})
    assert (answer.status, answer.json()) == (200, {"accepted": 1, "rejected": []})
    assert [r.value for r in _topic(gateway, "events")[before:]] == lines


@pytest.mark.parametrize(("headers", "body", "status", "error"), [
    ({}, None, 401, "an Authorization: Bearer <token> header is required"),
    ({"Authorization": "Bearer wrong"}, None, 401, "the bearer token is not valid"),
    ({"Authorization": f"Basic {TOKEN}"}, None, 401,
     "an Authorization: Bearer <token> header is required"),
    (BEARER, b"[" + b" " * 70_000 + b"]", 413,
     "the body is too large (70,002 bytes); at most 65,536 bytes ([ingest] max_body_bytes)"),
    (BEARER, b"\n".join([b"{}"] * 6), 413,
     "6 events in one request; at most 5 ([ingest] max_events_per_request): split the batch"),
    (BEARER, b"[" * 3000 + b"]" * 3000, 400, "the body is not valid JSON (depth limit exceeded)"),
    (BEARER, b'[{"customer_id": "\xff\xfe"}]', 400, "the body is not valid UTF-8 (at byte 18)"),
    (BEARER, b'{"events": 1}', 400, None),
])
def test_bad_requests_to_v1_events_are_a_clear_4xx_and_produce_nothing(
    gateway: ThreadGateway, headers: dict[str, str], body: bytes | None, status: int,
    error: str | None,
) -> None:
    before = _counts(gateway)
    answer = call(gateway.url + "/v1/events", body if body is not None else b"[]", headers)
    assert answer.status == status
    if error is not None:
        assert answer.json() == {"error": error}
    else:  # an object is one NDJSON line that is no event: every event rejected
        assert answer.json() == {"accepted": 0, "rejected": [
            {"index": 0, "reason": "missing_field", "field": "type",
             "detail": "field required"}]}
    assert _counts(gateway) == before


def test_only_unknown_event_kinds_is_400_and_nothing_produced(gateway: ThreadGateway) -> None:
    before = _counts(gateway)
    body = b'{"type": "ticket.opened", "conversation_id": "x"}\n{"type": "spam"}\n'
    answer = call(gateway.url + "/v1/events", body, BEARER)
    assert answer.status == 400
    assert [(r["index"], r["reason"]) for r in answer.json()["rejected"]] == [
        (0, "unknown_type"), (1, "unknown_type")]
    assert _counts(gateway) == before


def _delivery(events: list[bytes]) -> bytes:
    return b'{"kind": "message", "events": [' + b",".join(events) + b"]}"


def test_a_signed_delivery_goes_untouched_to_the_raw_topic_with_its_headers(
    gateway: ThreadGateway,
) -> None:
    before = len(_topic(gateway, "raw"))
    body = _delivery(_events("wh-1"))
    signature = acme_signature(SECRET, body)
    answer = call(gateway.url + "/webhooks/acme", body, {SIGNATURE_HEADER: signature})
    assert (answer.status, answer.json()) == (200, {"stored": True})
    [record] = _topic(gateway, "raw")[before:]
    assert record.value == body and record.key is None
    headers = dict(record.headers)
    assert headers["carepulse-platform"] == b"acme"
    assert headers["x-acme-signature"] == signature.encode()
    assert int(headers["carepulse-received-at-ms"]) > 1_700_000_000_000


def test_a_delivery_the_mapping_ignores_is_answered_2xx_too(gateway: ThreadGateway) -> None:
    body = b'{"kind": "ping"}'
    answer = call(gateway.url + "/webhooks/acme", body,
                  {SIGNATURE_HEADER: acme_signature(SECRET, body)})
    assert answer.status == 200


@pytest.mark.parametrize(("body", "signature", "status", "error"), [
    (b'{"kind": "ping"}', None, 401, "the X-Acme-Signature header is missing"),
    (b'{"kind": "ping"}', "00" * 32, 401, "the signature does not match"),
    # a signature captured from a real delivery, replayed with another body
    (b'{"kind": "ping", "x": 1}', acme_signature(SECRET, b'{"kind": "ping"}'), 401,
     "the signature does not match"),
    (b'{"kind": "\xff"}', "valid", 400, "the body is not valid UTF-8 (at byte 10)"),
    (b"[" * 3000 + b"]" * 3000, "valid", 400, "the body is not valid JSON (depth limit exceeded)"),
    (b"[1, 2]", "valid", 400, "the body is not a JSON object"),
    (b"{" + b" " * (10 * 1024 * 1024) + b"}", "valid", 413,
     "the body is too large (10,485,762 bytes); at most 65,536 bytes ([ingest] max_body_bytes)"),
])
def test_bad_deliveries_are_a_clear_4xx_and_produce_nothing(
    gateway: ThreadGateway, body: bytes, signature: str | None, status: int, error: str,
) -> None:
    before = _counts(gateway)
    headers = {} if signature is None else {
        SIGNATURE_HEADER: acme_signature(SECRET, body) if signature == "valid" else signature}
    answer = call(gateway.url + "/webhooks/acme", body, headers)
    assert (answer.status, answer.json()) == (status, {"error": error})
    assert _counts(gateway) == before


def test_an_unknown_platform_or_path_is_404(gateway: ThreadGateway) -> None:
    answer = call(gateway.url + "/webhooks/zendesk", b"{}")
    assert (answer.status, answer.json()) == (404, {"error": "no such platform (registered: "
                                                             "acme)"})
    assert call(gateway.url + "/v2/events", b"{}").status == 404


def test_healthz_and_the_gateways_own_metrics(gateway: ThreadGateway) -> None:
    assert call(gateway.url + "/healthz").status == 200
    body = b'{"kind": "ping"}'
    headers = {SIGNATURE_HEADER: acme_signature(SECRET, body)}
    before = _scrape(gateway)
    for _ in range(3):
        call(gateway.url + "/webhooks/acme", body, headers)
    call(gateway.url + "/webhooks/acme", body)  # unsigned: 401
    after = _scrape(gateway)

    def grew(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    route = "/webhooks/acme"
    assert grew("carepulse_ingest_requests_total", route=route, status="200") == 3
    assert grew("carepulse_ingest_requests_total", route=route, status="401") == 1
    assert grew("carepulse_ingest_webhooks_total", platform="acme") == 3
    assert grew("carepulse_ingest_request_bytes_total", route=route) == 4 * len(body)
    assert grew("carepulse_ingest_ack_seconds_count", route=route) == 3


def _scrape(gateway: ThreadGateway) -> Samples:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for sample in scrape(gateway.url + "/metrics", 5)}


def test_no_log_line_names_a_customer(
    embedded_broker: EmbeddedBroker, caplog: pytest.LogCaptureFixture
) -> None:
    config = gateway_config(embedded_broker.url, "ingest-logs", max_events_per_request=2)
    caplog.set_level(logging.DEBUG, logger="carepulse")
    with ThreadGateway(config, ENVIRON, {"acme": ACME}) as running:
        lines = _events("private-conversation")
        call(running.url + "/v1/events", b"\n".join(lines), BEARER)
        call(running.url + "/v1/events", b"\n".join(lines * 3), BEARER)
        call(running.url + "/v1/events", lines[0].replace(b'"type"', b'"typo"'), BEARER)
        call(running.url + "/webhooks/acme", _delivery(lines), {SIGNATURE_HEADER: "forged"})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "gateway on http://" in text  # the log was captured
    for secret in (CUSTOMER, "private-conversation", TOKEN, SECRET.decode()):
        assert secret not in text


def test_the_gateway_serves_https_with_ingest_tls(
    embedded_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    config = gateway_config(embedded_broker.url, "ingest-tls", tls=True, tls_certfile=str(cert),
                            tls_keyfile=str(key))
    context = ssl.create_default_context(cafile=str(cert))
    with ThreadGateway(config, ENVIRON, {"acme": ACME}, context) as secure:
        assert secure.url.startswith("https://")
        answer = call(secure.url + "/v1/events", b"\n".join(_events("tls-1")), BEARER,
                      context=context)
        assert (answer.status, answer.json()) == (200, {"accepted": 1, "rejected": []})
        plain = secure.url.replace("https://", "http://")
        with pytest.raises(OSError):  # plain HTTP is not served
            urllib.request.urlopen(plain + "/healthz", timeout=5)


def test_an_unloadable_certificate_names_the_ingest_key(tmp_path: Path) -> None:
    config = IngestConfig(tls=True, tls_certfile=tmp_path / "missing.pem",
                          tls_keyfile=tmp_path / "missing.key")
    with pytest.raises(ConfigError, match=r"^ingest\.tls_certfile: cannot load .*missing\.pem"):
        tls_context(config)
