"""SLA alerts as records of the alerts topic (docs/kpis.md, "The alerts topic").

Keyed by conversation id, so a consumer sees one conversation's alerts in order. The
`alert_id` is the same each time the same transition is raised: after a crash the worker
raises again what its last checkpoint had not covered, and consumers drop repeats by id.
"""

from __future__ import annotations

import hashlib

import orjson

from streams.kpi.timeutil import iso_from_us
from streams.state.watch import SlaAlert

ALERT_SCHEMA = "carepulse.alert/v1"


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
