"""The audit report of docs/kpis.md section 7, from a stream of validated events.

`AuditRun` is the whole replay minus I/O: feed it events and rejections in arrival
order, then ask for the report. Without explicit bounds the range is the span of the
accepted events (first occurred_at, last occurred_at + 1 s); every event lies inside
it, so the sink can run unbounded and the range is fixed at the end.

For the HTML report the same pass can fill a second sink over a comparison range
(`compare`, the previous period) and count inbound messages by quarter hour (`charts`);
a ledger is a cycle observer of the engine (`cycles`). None of them changes the report.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from schemas.rejections import RejectReason
from streams.audit.sink import ReportSink
from streams.config import CarePulseConfig
from streams.kpi.engine import Engine
from streams.kpi.formulas import alternative_cost, savings_and_roi, social_cost
from streams.kpi.observers import CycleObserver
from streams.kpi.sink import KpiSink, TeeSink
from streams.kpi.stats import canonical, ratio
from streams.kpi.tally import ChannelTally
from streams.kpi.timeutil import US_PER_SECOND, iso_from_us

REPORT_SCHEMA = "carepulse.report/v1.1"
TOP_N = 10
_UNBOUNDED_US = 1 << 62


class AuditRun:
    def __init__(
        self, config: CarePulseConfig, from_us: int | None = None, to_us: int | None = None,
        *, compare: tuple[int, int] | None = None, charts: bool = False,
        cycles: CycleObserver | None = None,
    ) -> None:
        self.config = config
        self.settings = settings = config.kpi_settings()
        self._from_us = from_us
        self._to_us = to_us
        self.sink = ReportSink(
            -_UNBOUNDED_US if from_us is None else from_us,
            _UNBOUNDED_US if to_us is None else to_us,
            settings.thresholds,
            charts,
        )
        self.previous: ReportSink | None = None
        engine_sink: KpiSink = self.sink
        if compare is not None:
            self.previous = ReportSink(compare[0], compare[1], settings.thresholds)
            engine_sink = TeeSink(self.sink, self.previous)
        self.engine = Engine(settings, engine_sink, cycles=cycles, answers_before_us=to_us,
                             separate_incarnations=True)
        self.rejected: dict[RejectReason, int] = {}
        self.feed = self.engine.apply
        """Applies one validated event in arrival order, with its input partition when it
        comes from a topic (the engine's own method: `feed(event, partition=0)`)."""
        self._report: dict[str, Any] | None = None
        self._previous_report: dict[str, Any] | None = None

    def bound_memory(self) -> None:
        """Before the first record of a topic: resolved conversations are forgotten per
        partition as the live worker forgets them (docs/kpis.md, end of section 8), and
        only the recent event ids are remembered, so the report equals its counters.
        Without it (a file) nothing is forgotten, and the report follows the contract for
        any order of the input."""
        self.engine.bound_memory(self.settings.forget_after_us)

    def reject(self, reason: RejectReason) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    @property
    def read(self) -> int:
        return self.engine.accepted + self.engine.duplicates + sum(self.rejected.values())

    def report(self) -> dict[str, Any]:
        """The report with its digest, after the last event (the same object each call:
        it settles the deadlines still open, which can be done once)."""
        if self._report is None:
            self._report = self._settled_report()
        return self._report

    def previous_report(self) -> dict[str, Any] | None:
        """The report body of the comparison range (no digest), after `report()`."""
        self.report()
        return self._previous_report

    def _settled_report(self) -> dict[str, Any]:
        engine, sink = self.engine, self.sink
        seen_events = engine.accepted > 0
        first_us = engine.first_event_us if seen_events else 0
        last_us = engine.last_event_us if seen_events else -US_PER_SECOND
        from_us = self._from_us if self._from_us is not None else first_us
        to_us = self._to_us if self._to_us is not None else last_us + US_PER_SECOND
        if self._to_us is None:
            to_us = max(to_us, from_us)  # --from after the last event: an empty range
        if self._from_us is None:
            from_us = min(from_us, to_us)
        sink.from_us, sink.to_us = from_us, to_us
        engine.breach_open_deadlines()  # into the report's sink and the previous period's
        previous = self.previous
        if previous is not None:
            self._previous_report = canonical(self._body(previous))
        body: dict[str, Any] = canonical(self._body(sink))
        body["digest"] = digest(body)
        return body

    def _body(self, sink: ReportSink) -> dict[str, Any]:
        engine = self.engine
        with_business = engine.sla.has_calendar
        thresholds = self.settings.thresholds
        by_channel = {
            channel: tally.kpis(thresholds, with_business)
            for channel, tally in sorted(sink.channels.items())
        }
        totals = ChannelTally()
        for tally in sink.channels.values():
            totals.merge(tally)
        return {
            "schema": REPORT_SCHEMA,
            "range": {"from": iso_from_us(sink.from_us), "to": iso_from_us(sink.to_us)},
            "events": {
                "read": self.read,
                "accepted": engine.accepted,
                "rejected": sum(self.rejected.values()),
                "duplicates": engine.duplicates,
                "ignored": engine.ignored,
                "out_of_order": engine.out_of_order,
            },
            "totals": totals.kpis(thresholds, with_business),
            "by_channel": by_channel,
            "agents": {
                agent_id: agent.summary() for agent_id, agent in sorted(sink.agents.items())
            },
            "topics": top(sink.topics),
            "quick_replies": top(sink.quick_replies),
            "by_team": {
                team: sink.teams[team].summary() for team in sorted(sink.team_names)
            },
            "sla": self._sla(sink),
            "savings": self._savings(sink),
        }

    def _sla(self, sink: ReportSink) -> dict[str, dict[str, dict[str, Any]]]:
        section: dict[str, dict[str, dict[str, Any]]] = {}
        for policy in self.engine.sla.policies:
            section[policy.name] = {}
            for target in policy.targets():
                met, breached = sink.sla.get((policy.name, target), (0, 0))
                section[policy.name][target] = {
                    "met": met,
                    "breached": breached,
                    "compliance": ratio(met, met + breached),
                }
        return section

    def _savings(self, sink: ReportSink) -> dict[str, Any]:
        savings = self.settings.savings
        channels = sorted(sink.channels.items())
        resolved = sum(tally.resolved for _, tally in channels)
        alternative = alternative_cost(
            savings, [(channel, tally.resolved) for channel, tally in channels]
        )
        range_seconds = (sink.to_us - sink.from_us) / US_PER_SECOND
        social = social_cost(savings.monthly_total, range_seconds)
        net, roi = savings_and_roi(alternative, social)
        return {
            "currency": savings.currency,
            "resolved_on_social": resolved,
            "alternative_cost": alternative,
            "social_cost": float(social),
            "savings": float(net),
            "roi": roi,
        }


def top(counts: dict[str, int]) -> list[list[Any]]:
    """The TOP_N entries by count, then by name."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [[name, count] for name, count in ordered[:TOP_N]]


def canonical_json(body: dict[str, Any]) -> bytes:
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of every key but `digest`."""
    payload = {key: value for key, value in body.items() if key != "digest"}
    return "sha256:" + hashlib.sha256(canonical_json(payload)).hexdigest()
