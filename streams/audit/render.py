"""The audit report as a table for people (`--format table`)."""

from __future__ import annotations

from typing import Any


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _rows(title: str, rows: list[tuple[str, Any]]) -> list[str]:
    width = max((len(name) for name, _ in rows), default=0)
    return [title, *(f"  {name:<{width}}  {_value(value)}" for name, value in rows), ""]


def _stats_row(key: str, stats: dict[str, Any]) -> tuple[str, str]:
    return (key.replace("_", " ") + " mean/p50/p90/max (n)", "/".join(
        _value(stats[name]) for name in ("mean", "p50", "p90", "max")
    ) + f" ({stats['count']:,})")


def _sla_rows(targets: dict[str, dict[str, Any]]) -> list[tuple[str, Any]]:
    return [
        (target, f"met {_value(t['met'])}, breached {_value(t['breached'])}, "
                 f"compliance {_value(t['compliance'])}")
        for target, t in targets.items()
    ]


def _team_rows(team: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("agent replies", team["replies"]),
        _stats_row("first_response_seconds", team["first_response_seconds"]),
        ("conversations resolved", team["conversations_resolved"]),
        _stats_row("requester_wait_seconds", team["requester_wait_seconds"]),
        ("one-touch resolutions", team["one_touch_resolutions"]),
        *((f"sla {target}", value) for target, value in _sla_rows(team["sla"])),
    ]


def _kpi_rows(kpis: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("messages received", kpis["messages_received"]),
        ("replies sent (agent/bot/automation)", "/".join(
            _value(kpis["replies_by_author"][author]) for author in ("agent", "bot", "automation")
        )),
        ("response rate", kpis["response_rate"]),
        ("conversations opened (reopened)",
         f"{_value(kpis['conversations_opened'])} ({_value(kpis['conversations_reopened'])})"),
        ("conversations resolved", kpis["conversations_resolved"]),
        ("resolution rate", kpis["resolution_rate"]),
    ]
    rows += [_stats_row(key, kpis[key]) for key in (
        "first_response_seconds", "first_response_business_seconds", "reply_wait_seconds",
        "resolution_seconds", "requester_wait_seconds", "time_to_assignment_seconds",
    ) if key in kpis]
    rows += [
        ("reassignments", kpis["reassignments"]),
        ("one-touch resolutions (rate)",
         f"{_value(kpis['one_touch_resolutions'])} ({_value(kpis['one_touch_rate'])})"),
        ("csat mean / score (n)",
         f"{_value(kpis['csat']['mean'])} / {_value(kpis['csat']['score'])} "
         f"({kpis['csat']['responses']:,})"),
        ("nps (n)", f"{_value(kpis['nps']['score'])} ({kpis['nps']['responses']:,})"),
        ("net sentiment", kpis["sentiment"]["net"]),
        ("sales", kpis["sales"]["count"]),
    ]
    rows += [(f"sales amount {cur}", amount) for cur, amount in kpis["sales"]["amount"].items()]
    return rows


def render_table(report: dict[str, Any]) -> str:
    events = report["events"]
    lines = [
        f"CarePulse audit report {report['range']['from']} .. {report['range']['to']}",
        "",
        *_rows("Events", list(events.items())),
        *_rows("Totals", _kpi_rows(report["totals"])),
    ]
    for channel, kpis in report["by_channel"].items():
        lines += _rows(f"Channel {channel}", _kpi_rows(kpis))
    for policy, targets in report["sla"].items():
        lines += _rows(f"SLA {policy}", _sla_rows(targets))
    for team, figures in report["by_team"].items():
        lines += _rows(f"Team {team}", _team_rows(figures))
    savings = report["savings"]
    lines += _rows(f"Savings ({savings['currency']})", [
        (key.replace("_", " "), savings[key])
        for key in ("resolved_on_social", "alternative_cost", "social_cost", "savings", "roi")
    ])
    lines += _rows("Top topics", [(name, count) for name, count in report["topics"]])
    lines += _rows("Top quick replies", [(name, count) for name, count in report["quick_replies"]])
    lines += _rows("Agents (replies, first responses, mean first response s)", [
        (agent, f"{a['replies']:,}, {a['first_responses']:,}, {_value(a['first_response_mean'])}")
        for agent, a in report["agents"].items()
    ])
    lines.append(f"digest {report['digest']}")
    return "\n".join(lines) + "\n"
