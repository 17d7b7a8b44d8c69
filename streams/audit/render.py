"""The audit report as a table for people (`--format table`): human units (`1 h 23 min`,
`94 %`), a reason instead of a missing value ("no responses yet"), and the busiest
TABLE_AGENTS agents (the JSON report lists them all)."""

from __future__ import annotations

from typing import Any

from streams.audit.units import count, counted, duration, money, number, percent

TABLE_AGENTS = 10
DURATIONS = (
    ("first_response_seconds", "first response", "no responses yet"),
    ("first_response_business_seconds", "first response (business time)", "no responses yet"),
    ("reply_wait_seconds", "reply wait", "no answered waits yet"),
    ("resolution_seconds", "resolution time", "no resolutions yet"),
    ("requester_wait_seconds", "requester wait", "no resolutions yet"),  # contract 1.1
    ("time_to_assignment_seconds", "time to assignment", "no assignments yet"),  # 1.1
)


def busiest_agents(agents: dict[str, Any], limit: int | None) -> list[tuple[str, Any]]:
    """Agents by replies, then conversations, then id; the first `limit` (all for None)."""
    ordered = sorted(
        agents.items(), key=lambda item: (-item[1]["replies"], -item[1]["conversations"], item[0])
    )
    return ordered if limit is None else ordered[:limit]


def _rows(title: str, rows: list[tuple[str, str]]) -> list[str]:
    width = max((len(name) for name, _ in rows), default=0)
    return [title, *(f"  {name:<{width}}  {value}" for name, value in rows), ""]


def _stats(stats: dict[str, Any], none: str) -> str:
    if not stats["count"]:
        return none
    return (f"median {duration(stats['p50'])}, 90 % within {duration(stats['p90'])}, "
            f"mean {duration(stats['mean'])}, longest {duration(stats['max'])} "
            f"({count(stats['count'])})")


def _kpi_rows(kpis: dict[str, Any]) -> list[tuple[str, str]]:
    replies = kpis["replies_by_author"]
    rows = [
        ("messages received", count(kpis["messages_received"])),
        ("replies sent", f"{count(kpis['replies_sent'])} (agents {count(replies['agent'])}, "
                         f"bots {count(replies['bot'])}, "
                         f"automation {count(replies['automation'])})"),
        ("response rate", percent(kpis["response_rate"], "no messages")),
        ("conversations opened", f"{count(kpis['conversations_opened'])} "
                                 f"({count(kpis['conversations_reopened'])} reopened)"),
        ("conversations resolved", count(kpis["conversations_resolved"])),
        ("resolution rate", percent(kpis["resolution_rate"], "no conversations opened")),
    ]
    rows += [(label, _stats(kpis[key], none)) for key, label, none in DURATIONS if key in kpis]
    if "one_touch_rate" in kpis:  # contract 1.1
        rows += [
            ("one-touch resolutions", f"{count(kpis['one_touch_resolutions'])} "
                                      f"({percent(kpis['one_touch_rate'], 'none resolved')})"),
            ("reassignments", count(kpis["reassignments"])),
        ]
    csat, nps = kpis["csat"], kpis["nps"]
    rows += [
        ("CSAT", "no answers yet" if not csat["responses"] else
         f"{percent(csat['score'])} satisfied, mean {number(csat['mean'])} of 5 "
         f"({counted(csat['responses'], 'answer')})"),
        ("NPS", "no answers yet" if not nps["responses"] else
         f"{number(nps['score'], 0)} ({counted(nps['promoters'], 'promoter')}, "
         f"{counted(nps['detractors'], 'detractor')} of {counted(nps['responses'], 'answer')})"),
        ("net sentiment", percent(kpis["sentiment"]["net"], "no rated messages")),
        ("sales", count(kpis["sales"]["count"])),
    ]
    rows += [("sales amount", money(amount, currency))
             for currency, amount in kpis["sales"]["amount"].items()]
    return rows


def _sla_rows(targets: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (target.replace("_", " "),
         f"{percent(t['compliance'], 'no outcome yet')} met "
         f"({count(t['met'])} met, {count(t['breached'])} breached)")
        for target, t in targets.items()
    ]


def _agent_rows(agents: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (agent, f"{counted(a['replies'], 'reply')}, "
                f"{counted(a['conversations'], 'conversation')}, "
                f"{count(a['resolutions'])} resolved, first response mean "
                f"{duration(a['first_response_mean'], 'no first responses')}")
        for agent, a in busiest_agents(agents, TABLE_AGENTS)
    ]


def render_table(report: dict[str, Any]) -> str:
    events = report["events"]
    savings = report["savings"]
    currency = savings["currency"]
    lines = [
        f"CarePulse audit report {report['range']['from']} .. {report['range']['to']} (UTC)",
        "",
        *_rows("Events", [(name, count(value)) for name, value in events.items()]),
        *_rows("Totals", _kpi_rows(report["totals"])),
    ]
    for channel, kpis in report["by_channel"].items():
        lines += _rows(f"Channel {channel}", _kpi_rows(kpis))
    for policy, targets in report["sla"].items():
        lines += _rows(f"SLA {policy}", _sla_rows(targets))
    lines += _rows("Savings", [
        ("resolved on social", count(savings["resolved_on_social"])),
        ("alternative cost", money(savings["alternative_cost"], currency)),
        ("social cost", money(savings["social_cost"], currency)),
        ("savings", money(savings["savings"], currency)),
        ("ROI", percent(savings["roi"], "no social cost configured")),
    ])
    lines += _rows("Top topics (messages)", [(name, count(n)) for name, n in report["topics"]])
    lines += _rows("Top quick replies (uses)",
                   [(name, count(n)) for name, n in report["quick_replies"]])
    for team, t in sorted(report.get("by_team", {}).items()):  # contract 1.1
        lines += _rows(f"Team {team}", [
            ("agent replies", count(t["replies"])),
            ("first response", _stats(t["first_response_seconds"], "no responses yet")),
            ("conversations resolved", count(t["conversations_resolved"])),
            ("requester wait", _stats(t["requester_wait_seconds"], "no resolutions yet")),
            *_sla_rows({f"SLA {target}": v for target, v in t["sla"].items()}),
        ])
    agents = report["agents"]
    shown = min(len(agents), TABLE_AGENTS)
    lines += _rows(f"Agents: the {shown} busiest of {len(agents)} by replies "
                   "(--format json lists all)", _agent_rows(agents))
    lines.append(f"digest {report['digest']}")
    return "\n".join(lines) + "\n"
