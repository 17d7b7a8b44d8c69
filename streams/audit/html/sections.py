"""The chart and table sections of the HTML report. Each returns one `<section>`; every
label from the input (channels, topics, quick replies, agents, teams, policies) is
escaped here or in svg.py. Teams appear when the report has `by_team` (contract 1.1)."""

from __future__ import annotations

from html import escape
from typing import Any

from streams.audit.html import svg
from streams.audit.html.data import (
    PageData,
    first_response_distribution,
    inbound_by_day,
    inbound_by_hour,
)
from streams.audit.render import busiest_agents
from streams.audit.units import count, counted, duration, number, percent
from streams.kpi.labels import NO_TEAM
from streams.kpi.timeutil import parse_iso_us

MAX_DAY_LABELS = 16


def section(title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(title)}</h2>{note_html}{body}</section>"


def table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """A table of texts, escaped; columns from `numeric_from` on are right-aligned."""
    head = "".join(
        f'<th{" class=num" if i >= numeric_from else ""}>{escape(h)}</th>'
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(
            f'<td{" class=num" if i >= numeric_from else ""}>{escape(cell)}</td>'
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def volume(data: PageData) -> str:
    report_range = data.report["range"]
    from_us, to_us = parse_iso_us(report_range["from"]), parse_iso_us(report_range["to"])
    days = inbound_by_day(data, from_us, to_us)
    every = max(1, -(-len(days) // MAX_DAY_LABELS))
    return (
        section(f"Inbound messages by hour of day ({data.tz.key})",
                svg.columns(inbound_by_hour(data), "inbound messages by hour of day"))
        + section(f"Inbound messages by day ({data.tz.key})",
                  svg.columns(days, "inbound messages by day", every))
    )


def first_responses(data: PageData) -> str:
    if not data.first_response_us:
        return section("First response times", "<p>No first responses yet.</p>")
    return section(
        "First response times", svg.columns(
            first_response_distribution(data.first_response_us), "first responses by time"),
        f"{count(len(data.first_response_us))} first responses by how long the customer "
        "waited (wall-clock time)",
    )


def sla(report: dict[str, Any]) -> str:
    rows = [
        (f"{policy} · {target.replace('_', ' ')}", [t["met"], t["breached"]],
         f"{percent(t['compliance'], 'no outcome yet')} met, "
         f"{count(t['breached'])} breached")
        for policy, targets in report["sla"].items() for target, t in targets.items()
    ]
    if not rows:
        return section("SLA met and breached", "<p>No SLA policy is configured.</p>")
    chart = svg.stacked_bars(rows, "SLA outcomes", ("met", "breach"))
    return section("SLA met and breached", chart,
                   "green: met, red: breached, by policy and target")


def channels(report: dict[str, Any]) -> str:
    by_channel = report["by_channel"]
    if not by_channel:
        return section("Channels", "<p>No channel had activity in the range.</p>")
    names = sorted(by_channel, key=lambda c: (-by_channel[c]["messages_received"], c))
    lines: list[tuple[str, Any]] = [
        ("messages received", lambda k: count(k["messages_received"])),
        ("conversations opened", lambda k: count(k["conversations_opened"])),
        ("response rate", lambda k: percent(k["response_rate"], "no messages")),
        ("first response, median",
         lambda k: duration(k["first_response_seconds"]["p50"], "no responses yet")),
        ("first response, 90 % within",
         lambda k: duration(k["first_response_seconds"]["p90"], "no responses yet")),
        ("resolution rate", lambda k: percent(k["resolution_rate"], "none opened")),
        ("CSAT", lambda k: percent(k["csat"]["score"], "no answers")),
        ("NPS", lambda k: number(k["nps"]["score"], 0, "no answers")),
    ]
    rows = [[label, *(show(by_channel[name]) for name in names)] for label, show in lines]
    bars = svg.stacked_bars(
        [(name, [by_channel[name]["messages_received"]],
          count(by_channel[name]["messages_received"])) for name in names],
        "inbound messages by channel")
    return section("Channels side by side", bars + table(["", *names], rows))


def top_lists(report: dict[str, Any]) -> str:
    parts = []
    for key, title, unit in (("topics", "Top topics", "message"),
                             ("quick_replies", "Top quick replies", "use")):
        entries = report[key]
        body = svg.stacked_bars(
            [(name, [n], counted(n, unit)) for name, n in entries], title
        ) if entries else "<p>None in the range.</p>"
        parts.append(section(title, body))
    return "".join(parts)


def teams(report: dict[str, Any]) -> str:
    by_team = report.get("by_team")
    if by_team is None:
        return ""
    if set(by_team) <= {NO_TEAM}:
        return section("Teams by volume", "<p>No event named a team.</p>")
    targets = [target for target in ("first_response", "resolution")
               if any(target in targets for targets in report["sla"].values())]
    ordered = sorted(by_team.items(), key=lambda item: (-item[1].get("replies", 0), item[0]))
    rows = [
        [team, count(t.get("replies", 0)),
         duration(t.get("first_response_seconds", {}).get("p50"), "none yet"),
         count(t.get("conversations_resolved", 0)),
         duration(t.get("requester_wait_seconds", {}).get("p50"), "none yet"),
         *(percent(t.get("sla", {}).get(target, {}).get("compliance"), "no outcome")
           for target in targets)]
        for team, t in ordered
    ]
    return section("Teams by volume", table(
        ["team", "agent replies", "first response, median", "resolved",
         "requester wait, median", *(f"SLA {target.replace('_', ' ')}" for target in targets)],
        rows))


def agents(report: dict[str, Any]) -> str:
    ordered = busiest_agents(report["agents"], None)
    if not ordered:
        return section("Agents by volume", "<p>No agent replied in the range.</p>")
    rows = [
        [agent, count(a["replies"]), count(a["conversations"]), count(a["resolutions"]),
         duration(a["first_response_mean"], "none"), duration(a["first_response_max"], "none")]
        for agent, a in ordered
    ]
    return section("Agents by volume", table(
        ["agent", "replies", "conversations", "resolved", "first response, mean",
         "first response, longest"], rows))
