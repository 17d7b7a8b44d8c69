"""The per-conversation ledger of `carepulse replay --ledger FILE`: one row per cycle
with at least one fact in the report's range, so an auditor can trace every total of the
report down to the conversations behind it (docs/cli.md, "The ledger").

`Ledger` is the engine's cycle observer (streams/kpi/observers.py): it sees the same
durations and instants as the report's sink. Each figure of a row counts in the report
when its own instant lies in the range (docs/kpis.md section 2): the cycle start for
`opened`, the first response and resolution instants for their samples, the deadline
(breached) or the answer (met) for SLA outcomes; the SLA columns count only the outcomes
inside the range. Team and assignee are the cycle's at its resolution, or after the last
event for a cycle still open; empty when none was assigned (docs/cli.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from streams.kpi.conversation import Conversation
from streams.kpi.sla import SLA_TARGETS, SlaTarget
from streams.kpi.timeutil import US_PER_SECOND, iso_from_us

COLUMNS = (
    "conversation_id", "channel", "brand", "team", "assignee", "cycle_start", "reopen",
    "policy", "first_response_at", "first_response_seconds",
    "first_response_business_seconds", "resolved_at", "resolution_seconds",
    "requester_wait_seconds",
    *(f"{target}_{part}" for target in SLA_TARGETS for part in ("deadline", "met", "breached")),
)


@dataclass(slots=True)
class Cycle:
    conversation_id: str
    channel: str
    brand: str
    start_us: int
    reopen: bool
    policy: str | None
    first_response_at_us: int | None = None
    first_response_us: int | None = None
    first_response_business_us: int | None = None
    resolved_at_us: int | None = None
    resolution_us: int | None = None
    requester_wait_us: int | None = None
    team: str | None = None
    assignee: str | None = None
    deadlines_us: dict[str, int] = field(default_factory=dict)  # target -> last armed
    outcomes: list[tuple[SlaTarget, bool, int]] = field(default_factory=list)

    def instants_us(self) -> Iterator[int]:
        yield self.start_us
        if self.first_response_at_us is not None:
            yield self.first_response_at_us
        if self.resolved_at_us is not None:
            yield self.resolved_at_us
        for _, _, at_us in self.outcomes:
            yield at_us


class Ledger:
    """Collects every cycle of the input; `rows(from_us, to_us)` after the last event."""

    def __init__(self) -> None:
        self._cycles: list[Cycle] = []
        self._open: dict[str, Cycle] = {}  # each conversation's latest cycle

    def opened(self, conversation_id: str, conv: Conversation, reopen: bool) -> None:
        cycle = Cycle(
            conversation_id, conv.cycle_channel, conv.cycle_brand, conv.cycle_start_us, reopen,
            None if conv.policy is None else conv.policy.name,
        )
        self._cycles.append(cycle)
        self._open[conversation_id] = cycle

    def armed(self, conversation_id: str, target: SlaTarget, deadline_us: int) -> None:
        self._open[conversation_id].deadlines_us[target] = deadline_us

    def settled(self, conversation_id: str, target: SlaTarget, met: bool, at_us: int) -> None:
        self._open[conversation_id].outcomes.append((target, met, at_us))

    def first_response(
        self, conversation_id: str, at_us: int, duration_us: int, business_us: int | None
    ) -> None:
        cycle = self._open[conversation_id]
        cycle.first_response_at_us = at_us
        cycle.first_response_us = duration_us
        cycle.first_response_business_us = business_us

    def resolved(
        self, conversation_id: str, at_us: int, duration_us: int, requester_wait_us: int,
        team: str | None, assignee: str | None,
    ) -> None:
        cycle = self._open[conversation_id]  # its clocks are settled after this
        cycle.resolved_at_us = at_us
        cycle.resolution_us = duration_us
        cycle.requester_wait_us = requester_wait_us
        cycle.team, cycle.assignee = team, assignee

    def finish(
        self, conversations: Iterable[tuple[str, Conversation]], from_us: int, to_us: int
    ) -> list[dict[str, Any]]:
        """The rows of [from_us, to_us), after the report (whose engine breached the
        deadlines still running after the last event, telling this observer as it told
        the report's sink): an open cycle's team and assignee are those of the engine's
        `conversations` after the last event."""
        for conversation_id, conv in conversations:
            cycle = self._open.get(conversation_id)
            if cycle is not None and conv.cycle_open:
                cycle.team, cycle.assignee = conv.team, conv.assignee
        return self.rows(from_us, to_us)

    def rows(self, from_us: int, to_us: int) -> list[dict[str, Any]]:
        """The cycles with a fact in [from_us, to_us), by cycle start then id."""
        kept = [
            cycle for cycle in self._cycles
            if any(from_us <= at_us < to_us for at_us in cycle.instants_us())
        ]
        kept.sort(key=lambda cycle: (cycle.start_us, cycle.conversation_id))
        return [_row(cycle, from_us, to_us) for cycle in kept]


def _seconds(duration_us: int | None) -> str | None:
    """Exact decimal seconds (6 decimals) of integer microseconds."""
    if duration_us is None:
        return None
    whole, micros = divmod(duration_us, US_PER_SECOND)
    return f"{whole}.{micros:06d}"


def _instant(at_us: int | None) -> str | None:
    return None if at_us is None else iso_from_us(at_us)


def _row(cycle: Cycle, from_us: int, to_us: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "conversation_id": cycle.conversation_id,
        "channel": cycle.channel,
        "brand": cycle.brand,
        "team": cycle.team,
        "assignee": cycle.assignee,
        "cycle_start": iso_from_us(cycle.start_us),
        "reopen": cycle.reopen,
        "policy": cycle.policy,
        "first_response_at": _instant(cycle.first_response_at_us),
        "first_response_seconds": _seconds(cycle.first_response_us),
        "first_response_business_seconds": _seconds(cycle.first_response_business_us),
        "resolved_at": _instant(cycle.resolved_at_us),
        "resolution_seconds": _seconds(cycle.resolution_us),
        "requester_wait_seconds": _seconds(cycle.requester_wait_us),
    }
    for target in SLA_TARGETS:
        inside = [
            met for t, met, at_us in cycle.outcomes if t == target and from_us <= at_us < to_us
        ]
        row[f"{target}_deadline"] = _instant(cycle.deadlines_us.get(target))
        row[f"{target}_met"] = inside.count(True)
        row[f"{target}_breached"] = inside.count(False)
    return row


def ledger_bytes(rows: list[dict[str, Any]], jsonl: bool) -> bytes:
    """CSV (header, `\\n` line ends, empty for none, `true`/`false`) or JSON lines."""
    if jsonl:
        return b"".join(
            json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
            for row in rows
        )
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in COLUMNS])
    return text.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
