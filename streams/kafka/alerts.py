"""SLA alerts as records of the alerts topic (docs/kpis.md, "The alerts topic").

Keyed by conversation id, so a consumer sees one conversation's alerts in order. The
`alert_id` is the same each time the same transition is raised: after a crash the worker
raises again what its last checkpoint had not covered, and consumers drop repeats by id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, get_args

import orjson

from streams.kpi.sla import SlaTarget
from streams.kpi.timeutil import iso_from_us, parse_iso_us
from streams.state.watch import AlertKind, SlaAlert

ALERT_SCHEMA = "carepulse.alert/v1"
_TEXT_FIELDS = ("alert_id", "policy", "channel", "brand", "priority", "conversation_id")


def alert_record(alert: SlaAlert) -> tuple[bytes, bytes]:
    identity = "|".join((
        alert.kind, alert.conversation_id, alert.policy, alert.target, str(alert.deadline_us)
    ))
    body = {
        "schema": ALERT_SCHEMA,
        "alert_id": hashlib.sha256(identity.encode()).hexdigest()[:32],
        "kind": alert.kind,
        "policy": alert.policy,
        "target": alert.target,
        "channel": alert.channel,
        "brand": alert.brand,
        "priority": alert.priority,
        "deadline": iso_from_us(alert.deadline_us),
        "raised_at": iso_from_us(alert.raised_at_us),
        "conversation_id": alert.conversation_id,
    }
    return alert.conversation_id.encode(), orjson.dumps(body)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert read back from the alerts topic: its id and the alert (whose conversation
    id the readers never show)."""

    alert_id: str
    alert: SlaAlert


def read_alert(value: bytes | None) -> AlertRecord | None:
    """The alert of a record's value; None when it is not a `carepulse.alert/v1` record
    (not JSON, another schema, a field missing or of the wrong type)."""
    try:
        body: Any = orjson.loads(value or b"")
        if not isinstance(body, dict) or body.get("schema") != ALERT_SCHEMA:
            return None
        texts = [body[name] for name in _TEXT_FIELDS]
        kind, target = body["kind"], body["target"]
        deadline_us, raised_at_us = parse_iso_us(body["deadline"]), parse_iso_us(body["raised_at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    if (not all(isinstance(text, str) for text in texts) or kind not in get_args(AlertKind)
            or target not in get_args(SlaTarget)):
        return None
    alert_id, policy, channel, brand, priority, conversation_id = texts
    return AlertRecord(alert_id, SlaAlert(kind, policy, target, channel, brand, priority,
                                          deadline_us, conversation_id, raised_at_us))
