"""The headline tiles of the HTML report, each with its change against the previous
period: durations and money as a difference, rates as percentage points, counts as a
relative change, scores as points. A change is `better` or `worse` by the tile's
direction (a shorter first response is better)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from streams.audit.units import count, counted, duration, money, number, percent

MINUS = "\u2212"  # the typographic minus sign
Kind = Literal["count", "duration", "rate", "score", "money"]


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: str
    note: str  # what the value is made of
    change: str  # against the previous period ("" without one)
    trend: str  # "better", "worse" or "same" ("" without a previous period)


@dataclass(frozen=True, slots=True)
class Spec:
    label: str
    kind: Kind
    higher_is_better: bool
    read: Callable[[dict[str, Any]], float | None]
    note: Callable[[dict[str, Any]], str]
    none: str = "no data"  # said instead of a missing value


def _sla_compliance(report: dict[str, Any], target: str) -> float | None:
    met = sum(t[target]["met"] for t in report["sla"].values() if target in t)
    breached = sum(t[target]["breached"] for t in report["sla"].values() if target in t)
    return met / (met + breached) if met + breached else None


def _sla_note(report: dict[str, Any], target: str) -> str:
    met = sum(t[target]["met"] for t in report["sla"].values() if target in t)
    breached = sum(t[target]["breached"] for t in report["sla"].values() if target in t)
    return f"{count(met)} met, {count(breached)} breached"


def totals(report: dict[str, Any]) -> dict[str, Any]:
    return report["totals"]  # type: ignore[no-any-return]


def first(report: dict[str, Any]) -> dict[str, Any]:
    return report["totals"]["first_response_seconds"]  # type: ignore[no-any-return]


def specs(report: dict[str, Any]) -> list[Spec]:
    later = [  # contract 1.1 keys, shown when the report has them
        Spec("Requester wait, median", "duration", False,
             lambda r: totals(r)["requester_wait_seconds"]["p50"],
             lambda r: counted(totals(r)['requester_wait_seconds']['count'], 'resolution'),
             "none yet"),
        Spec("One-touch resolutions", "rate", True, lambda r: totals(r)["one_touch_rate"],
             lambda r: f"{count(totals(r)['one_touch_resolutions'])} resolved with one reply",
             "none resolved"),
    ] if "requester_wait_seconds" in report["totals"] else []
    targets = sorted({target for policy in report["sla"].values() for target in policy},
                     key=("first_response", "next_response", "resolution").index)
    currency = report["savings"]["currency"]
    return [
        Spec("Customers served", "count", True, lambda r: totals(r)["conversations_opened"],
             lambda r: f"conversations opened ({count(totals(r)['conversations_reopened'])} "
                       "reopened)"),
        Spec("First response, median", "duration", False, lambda r: first(r)["p50"],
             lambda r: f"{count(first(r)['count'])} first responses", "no responses yet"),
        Spec("First response, 90 % within", "duration", False, lambda r: first(r)["p90"],
             lambda r: f"longest {duration(first(r)['max'], 'none yet')}", "no responses yet"),
        Spec("Response rate", "rate", True, lambda r: totals(r)["response_rate"],
             lambda r: f"{count(totals(r)['answered_messages'])} of "
                       f"{count(totals(r)['messages_received'])} messages answered",
             "no messages"),
        Spec("Resolution rate", "rate", True, lambda r: totals(r)["resolution_rate"],
             lambda r: f"{count(totals(r)['conversations_resolved'])} resolved",
             "none opened"),
        *later,
        *(
            Spec(f"SLA {target.replace('_', ' ')}", "rate", True,
                 partial(_sla_compliance, target=target), partial(_sla_note, target=target),
                 "no outcome yet")
            for target in targets
        ),
        Spec("CSAT", "rate", True, lambda r: totals(r)["csat"]["score"],
             lambda r: f"satisfied, of {counted(totals(r)['csat']['responses'], 'answer')}",
             "no answers yet"),
        Spec("NPS", "score", True, lambda r: totals(r)["nps"]["score"],
             lambda r: f"of {counted(totals(r)['nps']['responses'], 'answer')}",
             "no answers yet"),
        Spec("Savings", "money", True, lambda r: r["savings"]["savings"],
             lambda r: f"{count(r['savings']['resolved_on_social'])} resolved on social, "
                       f"cost {money(r['savings']['social_cost'], currency)}"),
        Spec("ROI", "rate", True, lambda r: r["savings"]["roi"],
             lambda r: "savings per unit of social cost", "no social cost configured"),
    ]


def show(spec: Spec, value: float | None, currency: str) -> str:
    if value is None:
        return spec.none
    if spec.kind == "count":
        return count(int(value))
    if spec.kind == "duration":
        return duration(value)
    if spec.kind == "rate":
        return percent(value)
    if spec.kind == "score":
        return number(value, 0)
    return money(value, currency)


def _shown_change(kind: Kind, now: float, before: float) -> float:
    """now - before at the precision the tile shows it: a change that rounds to nothing
    is none (`±0.0 pts`, "same"), not a red minus 0.0 points."""
    delta = now - before
    if kind == "rate":
        return round(delta * 100, 1) / 100
    if kind == "score":
        return float(round(delta))
    if kind == "money":
        return round(delta, 2)
    return delta


def _difference(kind: Kind, now: float, before: float, currency: str) -> str:
    delta = _shown_change(kind, now, before)
    sign = "+" if delta > 0 else MINUS if delta < 0 else "±"
    if kind == "count":
        relative = f" ({percent(abs(delta) / before)})" if before else ""
        return f"{sign}{count(int(abs(delta)))}{relative}"
    if kind == "duration":
        return f"{sign}{duration(abs(delta))}"
    if kind == "rate":
        return f"{sign}{abs(delta) * 100:,.1f} pts"
    if kind == "score":
        return f"{sign}{abs(delta):.0f}"
    return f"{sign}{money(abs(delta), currency)}"


def tiles(report: dict[str, Any], previous: dict[str, Any] | None) -> list[Tile]:
    currency = report["savings"]["currency"]
    result = []
    for spec in specs(report):
        value = spec.read(report)
        change, trend = "", ""
        if previous is not None:
            before = spec.read(previous)
            if value is None or before is None:
                change = f"previous: {show(spec, before, currency)}"
            else:
                change = (f"{_difference(spec.kind, value, before, currency)} vs "
                          f"{show(spec, before, currency)}")
                shown = _shown_change(spec.kind, value, before)
                better = (shown > 0) == spec.higher_is_better
                trend = "same" if shown == 0 else "better" if better else "worse"
        result.append(Tile(spec.label, show(spec, value, currency), spec.note(report),
                           change, trend))
    return result
