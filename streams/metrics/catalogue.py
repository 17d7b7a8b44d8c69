"""The metric catalogue: every family `/metrics` can show, once.

Each family has its name (without `carepulse_`; counters without `_total`), type, help
text, labels, the meaning docs/metrics.md shows and, where it reads the state layer, the
state's key for it (a `LiveTotals` counter, a histogram, a window gauge). The collector
takes names, help texts and labels from here, `series_bound` counts the families' label
values, and `python -m streams.metrics.catalogue --markdown` writes docs/metrics.md's
two tables, the families and their cardinality, and with `--gateway` the table of the
HTTP gateway's families (`GATEWAY_FAMILIES`), which are here too
(tests/contract/test_docs.py fails when a committed table differs).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, get_args

from schemas.events import SURVEY_SCALES, AuthorType, ResolvedBy
from schemas.rejections import REJECT_REASONS
from streams.config import CarePulseConfig
from streams.config.loading import load_config
from streams.kpi.conversation import STATUSES
from streams.kpi.labels import NO_TEAM, NO_TOPIC, OTHER
from streams.kpi.sla import SlaBook
from streams.state.totals import (
    AGENT_HISTOGRAM,
    BUCKET_BOUNDS_SECONDS,
    HISTOGRAMS,
    TEAM_HISTOGRAMS,
)
from streams.state.windows import (
    ADDITIVE_GAUGES,
    CURRENCY_GAUGES,
    END_GAUGE,
    RATIO_GAUGES,
    WINDOW_SECONDS,
)

PREFIX: Final = "carepulse_"
Kind = Literal["counter", "gauge", "histogram"]
OptIn = Literal["agent_series", "team_series"]  # the `[metrics]` switch of a family
SERIES: Final = ("brand", "channel")
AGENT: Final = ("brand", "agent")
TEAM: Final = ("brand", "team")
SLA: Final = ("brand", "channel", "policy", "target")
WINDOWED: Final = ("brand", "channel", "window")
CURRENCY: Final = ("currency", "window")
WINDOW: Final = "window/"  # the source prefix of window gauges (gauge_values' keys)
# label groups whose values come in sets rather than each on its own
_SLA_SET: Final = frozenset({"channel", "policy", "target"})
_SURVEY_SET: Final = frozenset({"survey", "score"})


@dataclass(frozen=True, slots=True)
class Family:
    name: str  # without PREFIX; a counter's samples add `_total`
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    meaning: str = ""  # docs/metrics.md's cell; the help text when empty
    source: str | None = None  # the state layer's key for it (window gauges: WINDOW + key)
    opt_in: OptIn | None = None  # exposed only with `[metrics] <opt_in> = true`

    @property
    def doc(self) -> str:
        return self.meaning or self.help[0].lower() + self.help[1:]


def _counter(name: str, source: str, help_: str, labels: tuple[str, ...], meaning: str = "",
             opt_in: OptIn | None = None) -> Family:
    return Family(name, "counter", help_, labels, meaning, source, opt_in)


_HISTOGRAM_MEANINGS: Final = {
    "first_response_seconds": "first agent reply \N{MINUS SIGN} cycle start (or handoff)",
    "reply_wait_seconds": "each agent reply \N{MINUS SIGN} start of the wait it ends",
    "resolution_seconds": "resolution \N{MINUS SIGN} cycle start",
    "requester_wait_seconds": "resolution \N{MINUS SIGN} cycle start \N{MINUS SIGN} the "
    "time the cycle spent `pending` (on hold still counts)",
    "time_to_assignment_seconds": "first assignment of a cycle without assignee "
    "\N{MINUS SIGN} cycle start",
}
_TEAM_MEANING: Final = (" (only with `[metrics] team_series = true`; `[teams] allowlist`, "
                        "else `other`; no team: `none`)")
_TEAM_HISTOGRAM_MEANINGS: Final = {
    "team_first_response_seconds": "first responses, by the team of the reply that gives "
    "them (only with team series)",
    "team_requester_wait_seconds": "requester waits, by the conversation's team at the "
    "resolution (only with team series)",
}
_WINDOW_ADDITIVE: Final = {  # state key -> (name, help)
    "messages": ("window_messages_received", "Inbound customer messages"),
    "answered": ("window_answered_messages", "Inbound messages a reply followed"),
    "replies": ("window_replies_sent", "Replies by the brand"),
    "opened": ("window_conversations_opened", "Cycles opened (reopens included)"),
    "resolved": ("window_conversations_resolved", "Cycles resolved"),
    "first_response_sum_seconds": ("window_first_response_sum_seconds",
                                   "Sum of the first responses, in seconds"),
    "first_responses": ("window_first_responses", "First responses"),
    "csat_responses": ("window_csat_responses", "CSAT responses"),
    "csat_score_points": ("window_csat_score_points", "Sum of the CSAT scores"),
    "csat_satisfied": ("window_csat_satisfied", "CSAT responses >= the satisfied threshold"),
    "nps_responses": ("window_nps_responses", "NPS responses"),
    "nps_promoters": ("window_nps_promoters", "NPS promoters"),
    "nps_detractors": ("window_nps_detractors", "NPS detractors"),
    "sentiment_positive": ("window_sentiment_positive", "Inbound messages of positive sentiment"),
    "sentiment_negative": ("window_sentiment_negative", "Inbound messages of negative sentiment"),
    "sentiment_rated": ("window_sentiment_rated", "Inbound messages carrying a sentiment"),
}
_WINDOW_RATIOS: Final = {
    "response_rate": ("window_response_rate",
                      "Answered messages / messages received in the window"),
    "first_response_mean_seconds": ("window_first_response_mean_seconds",
                                    "Mean first response in the window"),
    "csat_score": ("window_csat_score", "Share of CSAT responses >= the satisfied threshold"),
    "nps_score": ("window_nps_score", "100 x (promoters - detractors) / NPS responses"),
    "net_sentiment": ("window_net_sentiment", "(positive - negative) / rated inbound messages"),
}
_WINDOW_CURRENCY: Final = {
    "alternative_cost": ("window_alternative_cost",
                         "Resolutions x alternative cost of their channel"),
    "social_cost": ("window_social_cost",
                    "This worker's share of the prorated monthly social cost"),
    "savings": ("savings", "Alternative cost - social cost share, over the window"),
    "roi": ("roi_ratio", "savings / window_social_cost of this worker"),
}
_ADDITIVE_MEANING: Final = ("additive counts over the rolling window ending at the newest "
                            "event time (`1h`, `24h`, `30d`); sum them across workers")
_RATIO_MEANING: Final = ("the KPI ratios over the partitions this worker owns (omitted when "
                         "the denominator is 0)")

FAMILIES: Final[tuple[Family, ...]] = (
    _counter("messages_received", "messages", "Inbound customer messages", SERIES),
    _counter("topic_messages", "topics",
             "Inbound customer messages by topic (none: without topic)", (*SERIES, "topic"),
             "inbound messages by `topic` (`[topics] allowlist`, else `other`; no topic: "
             "`none`); sums to `messages_received_total`"),
    _counter("replies_sent", "replies", "Replies by the brand", (*SERIES, "author_type"),
             "replies by agents, bots, automations"),
    _counter("quick_replies", "quick_replies", "Replies using a quick reply",
             (*SERIES, "quick_reply"),
             "replies using a quick reply (`[quick_replies] allowlist`, else `other`)"),
    _counter("conversations_opened", "opened", "Cycles opened (reopens included)", SERIES),
    _counter("conversations_resolved", "resolved", "Cycles resolved",
             (*SERIES, "resolved_by"), "resolutions of open cycles"),
    *(Family(name, "histogram", f"{name.replace('_', ' ')} samples", SERIES,
             _HISTOGRAM_MEANINGS[name], name) for name in HISTOGRAMS),
    Family("open_conversations", "gauge", "Conversations with an open cycle", SERIES,
           "conversations with an open cycle (a series seen once stays, at 0 when none is "
           "open)"),
    Family("waiting_conversations", "gauge", "Conversations whose customer waits for an agent",
           SERIES, "conversations whose customer waits for an agent (likewise at 0)"),
    Family("conversations_by_status", "gauge", "Open cycles by working status",
           (*SERIES, "status"),
           "open cycles by working status: `open`, `pending` (waiting for the customer), "
           "`on_hold` (waiting for a third party); sums to `open_conversations`"),
    Family("oldest_waiting_seconds", "gauge",
           "Wait of the longest-waiting customer (to the wall clock once caught up)", SERIES,
           "wait of the longest-waiting customer, to the partition's now "
           "([kpis.md](kpis.md#live-breaches-at-the-deadline))"),
    _counter("sla_breaches", "sla_breaches", "SLA targets breached, at the deadline", SLA,
             "SLA targets breached, raised when the partition's now passes the deadline"),
    _counter("sla_met", "sla_met", "SLA targets met, at the answering event", SLA,
             "SLA targets met (compliance = met / (met + breached))"),
    Family("sla_at_risk_conversations", "gauge",
           "Open SLA clocks past their at-risk fraction, not yet breached", SLA,
           "open SLA clocks past `at_risk_fraction` of their target, not yet breached"),
    _counter("reassignments", "reassignments", "Assignments to another agent than the "
             "assignee", SERIES, "assignments of an open cycle to another `agent_id` than "
             "its assignee"),
    _counter("one_touch_resolutions", "one_touch_resolutions",
             "Resolutions after exactly one agent reply",
             SERIES, "resolutions of cycles with exactly one agent reply (one-touch rate = "
             "this / `conversations_resolved_total`)"),
    _counter("agent_replies", "agent_replies", "Agent replies by agent", AGENT,
             "agent replies (only with `[metrics] agent_series = true`)", opt_in="agent_series"),
    _counter("agent_resolutions", "agent_resolutions", "Resolutions naming an agent, by agent",
             AGENT, "resolutions whose event names an `agent_id` (only with agent series)",
             opt_in="agent_series"),
    Family(AGENT_HISTOGRAM, "histogram", f"{AGENT_HISTOGRAM.replace('_', ' ')} samples", AGENT,
           "first responses given by the agent (only with agent series)", AGENT_HISTOGRAM,
           opt_in="agent_series"),
    _counter("team_replies", "team_replies", "Agent replies by team", TEAM,
             "agent replies, by the reply's own `team`, else the conversation's team"
             + _TEAM_MEANING, opt_in="team_series"),
    _counter("team_resolutions", "team_resolutions", "Resolutions by team", TEAM,
             "resolutions, by the conversation's team at the resolution (only with team "
             "series)", opt_in="team_series"),
    *(Family(name, "histogram", f"{name.replace('_', ' ')} samples", TEAM,
             _TEAM_HISTOGRAM_MEANINGS[name], name, opt_in="team_series")
      for name in TEAM_HISTOGRAMS),
    _counter("team_sla_met", "team_sla_met", "SLA targets met, by team", (*TEAM, "target"),
             "SLA targets met (every policy), by the team of the answering reply or, for "
             "resolution, the conversation's team (only with team series)",
             opt_in="team_series"),
    _counter("team_sla_breaches", "team_sla_breaches", "SLA targets breached, by team",
             (*TEAM, "target"), "SLA targets breached (every policy), by the conversation's "
             "team as its events before the deadline set it (only with team series)",
             opt_in="team_series"),
    _counter("survey_responses", "surveys", "Survey answers", ("survey", "score"),
             "CSAT and NPS answers"),
    Family("events_rejected", "counter", "Records rejected, by reason", ("reason",),
           "rejected records (each reason always exported; "
           "[events.md](events.md#bad-input))"),
    Family("events_duplicate", "counter", "Events ignored as duplicates of an event_id",
           meaning="events ignored as duplicates"),
    Family("events_read", "counter", "Input records read: accepted, rejected or duplicate",
           meaning="input records read: accepted + rejected + duplicates"),
    Family("partitions_owned", "gauge", "Input partitions this worker owns"),
    Family("partitions_recovering", "gauge",
           "Owned input partitions whose state is still being read from the changelog",
           meaning="owned partitions whose state is still being read from the changelog "
           "(their events wait)"),
    Family("conversations_in_memory", "gauge",
           "Conversations held in state: open, or resolved within their grace period and "
           "late-event tolerance",
           meaning="conversations held in state: open, or resolved within "
           "`worker.resolved_grace_seconds` + `worker.late_event_tolerance_seconds`"),
    Family("fetch_wait_seconds", "gauge",
           "How long the consumer's fetches may wait (longer while the broker is slow)",
           meaning="how long the consumer's fetches may wait: 0.05, longer while fetches "
           "come back empty with records waiting "
           "([operations.md](operations.md#the-live-worker))"),
    Family("consumer_lag_records", "gauge",
           "Records of the owned input partitions not yet applied (at the last fetch)",
           meaning="records of the owned partitions not yet applied (high watermark of the "
           "last fetch \N{MINUS SIGN} next offset)"),
    *(Family(name, "gauge", f"{help_} in the window (additive)", WINDOWED, _ADDITIVE_MEANING,
             WINDOW + key) for key, (name, help_) in _WINDOW_ADDITIVE.items()),
    *(Family(name, "gauge", help_, WINDOWED, _RATIO_MEANING, WINDOW + key)
      for key, (name, help_) in _WINDOW_RATIOS.items()),
    *(Family(name, "gauge", help_, CURRENCY, source=WINDOW + key)
      for key, (name, help_) in _WINDOW_CURRENCY.items()),
    Family("window_end_timestamp_seconds", "gauge",
           "Event-time end (now) of this worker's windows",
           meaning="the event-time \"now\" of this worker's windows", source=WINDOW + END_GAUGE),
)
GATEWAY_FAMILIES: Final[tuple[Family, ...]] = (
    Family("ingest_requests", "counter", "HTTP requests answered by the gateway",
           ("route", "status"),
           "requests answered by `carepulse ingest`, by route (`other`: any unknown path) "
           "and status code"),
    Family("ingest_request_bytes", "counter", "Bytes of the request bodies read", ("route",),
           "bytes of the request bodies read, by route"),
    Family("ingest_events", "counter", "Contract events of /v1/events, by outcome",
           ("outcome",), "events of `/v1/events`: `accepted` (acknowledged by the broker) or "
           "`rejected` (answered with their reason)"),
    Family("ingest_webhooks", "counter", "Webhook deliveries written to the raw topic",
           ("platform",), "verified webhook deliveries acknowledged on the raw topic, by "
           "platform (each registered platform exported from 0: the silent-source alert)"),
    Family("ingest_ack_seconds", "histogram",
           "From a request's arrival to the broker's acknowledgement of its records",
           ("route",), "from a request's arrival to the broker's acknowledgement of all its "
           "records (the requests answered 2xx after producing)"),
)
"""The families of the gateway's own `/metrics` (`carepulse ingest`)."""
BY_NAME: Final = {family.name: family for family in FAMILIES}
BY_SOURCE: Final = {family.source: family for family in FAMILIES if family.source is not None}
HISTOGRAM_LINES: Final = len(BUCKET_BOUNDS_SECONDS) + 3  # the buckets, +Inf, _sum, _count


def _check() -> None:
    """Every state key the collector reads has exactly one family."""
    window_keys = {END_GAUGE, *(key for key, _ in ADDITIVE_GAUGES), *RATIO_GAUGES,
                   *CURRENCY_GAUGES}
    sources = [family.source for family in FAMILIES if family.source is not None]
    assert len(BY_NAME) == len(FAMILIES), "a family name twice"
    assert len(set(sources)) == len(sources), "a state key twice"
    assert ({WINDOW + key for key in window_keys} | {*HISTOGRAMS, AGENT_HISTOGRAM,
                                                      *TEAM_HISTOGRAMS} <= set(sources))


_check()


def window_family(key: str) -> Family:
    """The family of a window gauge key of `streams.state.windows.gauge_values`."""
    return BY_SOURCE[WINDOW + key]


def sample_names(family: Family) -> tuple[str, ...]:
    """The names its samples carry in the text exposition."""
    name = PREFIX + family.name
    if family.kind == "counter":
        return (name + "_total",)
    if family.kind == "histogram":
        return tuple(f"{name}_{part}" for part in ("bucket", "sum", "count"))
    return (name,)


def label_counts(config: CarePulseConfig) -> dict[frozenset[str], int]:
    """How many values a label (or a set of labels whose values come together) takes
    under `config`, whatever the events carry."""
    channels = sorted({*config.channels.allowlist, OTHER})
    agents = len({*config.agents.allowlist, OTHER}) if config.metrics.agent_series else 0
    teams = (len({*config.teams.allowlist, OTHER, NO_TEAM}) if config.metrics.team_series
             else 0)
    policies = config.kpi_settings().sla_policies
    return {
        frozenset({"brand"}): len({*config.brands.allowlist, OTHER}),
        frozenset({"channel"}): len(channels),
        frozenset({"topic"}): len({*config.topics.allowlist, OTHER, NO_TOPIC}),
        frozenset({"quick_reply"}): len({*config.quick_replies.allowlist, OTHER}),
        frozenset({"agent"}): agents,
        frozenset({"team"}): teams,
        frozenset({"status"}): len(STATUSES),
        frozenset({"target"}): len({target for policy in policies
                                    for target in policy.targets()}),
        frozenset({"author_type"}): len(get_args(AuthorType)),
        frozenset({"resolved_by"}): len(get_args(ResolvedBy)),
        frozenset({"reason"}): len(REJECT_REASONS),
        frozenset({"window"}): len(WINDOW_SECONDS),
        frozenset({"currency"}): 1,  # the configured one
        _SLA_SET: len(SlaBook(policies).label_sets(channels)),
        _SURVEY_SET: sum(high - low + 1 for low, high in SURVEY_SCALES.values()),
    }


def family_series(family: Family, counts: Mapping[frozenset[str], int]) -> int:
    """Most exposition lines with a value `family` can show (a histogram's series each
    show HISTOGRAM_LINES)."""
    labels, series = set(family.labels), 1
    for group in (_SLA_SET, _SURVEY_SET):
        if group <= labels:
            series *= counts[group]
            labels -= group
    for label in labels:
        series *= counts[frozenset({label})]
    return series * (HISTOGRAM_LINES if family.kind == "histogram" else 1)


def series_bound(config: CarePulseConfig) -> int:
    """Most series (exposition lines with a value) `/metrics` can show under `config`,
    whatever the events carry: the sum of `family_series` over the catalogue
    (docs/metrics.md, "Cardinality")."""
    counts = label_counts(config)
    return sum(family_series(family, counts) for family in FAMILIES)


def _rows(families: tuple[Family, ...]) -> Iterator[tuple[list[str], Family]]:
    """Families with the same type, labels and meaning, next to each other, share a row."""
    names: list[str] = []
    for index, family in enumerate(families):
        names.append(family.name + ("_total" if family.kind == "counter" else ""))
        following = families[index + 1] if index + 1 < len(families) else None
        if following is None or (following.kind, following.labels, following.doc) != (
                family.kind, family.labels, family.doc):
            yield names, family
            names = []


def markdown_table(families: tuple[Family, ...] = FAMILIES) -> str:
    """docs/metrics.md's table of the worker's families (or of the gateway's)."""
    lines = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
    for names, family in _rows(families):
        lines.append(f"| {', '.join(f'`{name}`' for name in names)} | {family.kind} | "
                     f"{', '.join(family.labels) or '—'} | {family.doc} |")
    return "\n".join(lines) + "\n"


def markdown_cardinality(configs: Mapping[str, CarePulseConfig]) -> str:
    """docs/metrics.md's cardinality table: for each set of labels, its families and the
    most series they show under each of `configs` (column title -> configuration), and
    the total, which is `series_bound`."""
    counts = {title: label_counts(config) for title, config in configs.items()}
    groups: dict[tuple[str, ...], list[Family]] = {}
    for family in FAMILIES:
        groups.setdefault(family.labels, []).append(family)
    lines = ["| labels | families | " + " | ".join(configs) + " |",
             "|---|---|" + "---:|" * len(configs)]
    for labels, families in groups.items():
        histograms = sum(family.kind == "histogram" for family in families)
        plural = "s" if histograms > 1 else ""
        kinds = f"{len(families)}" + (f" ({histograms} histogram{plural})" if histograms else "")
        series = [f"{sum(family_series(f, counts[title]) for f in families):,}"
                  for title in configs]
        lines.append(f"| {', '.join(labels) or '—'} | {kinds} | {' | '.join(series)} |")
    totals = [f"**{sum(family_series(f, counts[title]) for f in FAMILIES):,}**"
              for title in configs]
    lines.append(f"| **all** | {len(FAMILIES)} | {' | '.join(totals)} |")
    return "\n".join(lines) + "\n"


def documented_configs(repository: Path) -> dict[str, CarePulseConfig]:
    """The configurations docs/metrics.md's cardinality table has a column for."""
    example = "examples/carepulse.toml"
    return {"defaults": CarePulseConfig(), example: load_config(repository / example)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["--markdown"], ["--markdown", "--gateway"]):
        print("usage: python -m streams.metrics.catalogue --markdown [--gateway]  (from the "
              "repository root: docs/metrics.md's generated tables, the worker's two or the "
              "gateway's)", file=sys.stderr)
        return 2
    if "--gateway" in args:
        sys.stdout.write(markdown_table(GATEWAY_FAMILIES))
    else:
        sys.stdout.write(markdown_table() + "\n"
                         + markdown_cardinality(documented_configs(Path.cwd())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
