"""The CarePulse dashboards: Care wall, SLA, Channels and topics, Team, ROI.

Rules every expression follows (tests/contract/test_dashboards.py checks them):
- ratios are ratios of sums over every worker and series, never averages of ratios: the
  per-worker ratio gauges (`window_response_rate`, `roi_ratio` ...) are not used;
- percentiles come from the histograms' buckets (`histogram_quantile` over summed rates);
- rates and increases come from counters; the `window_*` gauges are additive counts over
  event-time windows (docs/kpis.md section 8) and are summed before dividing;
- series that carry `brand` and `channel` are filtered by the `$brand` and `$channel`
  variables, team series by `$brand` and `$team`, agent series by `$brand` and `$agent`
  (money has no brand: the ROI figures are for the whole deployment).

Thresholds (green, amber, red) are defaults for a care team to tune here; the red lines of
oldest waiting and response rate are the alert rules' thresholds.

What depends on the worker's configuration comes from `WallSettings` (grafana/generate.py
reads the configuration): money in the configured currency, first-response thresholds
from the SLA targets when there are any, and the SLA panels' text when they have no data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grafana.panels import (
    GREEN,
    NEUTRAL,
    RED,
    Json,
    Panel,
    Query,
    Thresholds,
    bars,
    dashboard,
    higher_is_better,
    lower_is_better,
    stat,
    timeseries,
    variable,
)
from streams.config import CarePulseConfig

SCOPE = 'brand=~"$brand", channel=~"$channel"'
AGENT_SCOPE = 'brand=~"$brand", agent=~"$agent"'
TEAM_SCOPE = 'brand=~"$brand", team=~"$team"'

# Red lines shared with prometheus/rules/carepulse-alerts.yml.
OLDEST_WAITING_RED_SECONDS = 1800  # CarePulseCustomerWaitingLong
RESPONSE_RATE_RED_BELOW = 0.8  # CarePulseResponseRateLow

BELOW_ZERO_RED = Thresholds(RED, ((0, GREEN),))  # money: red only when it is lost

# The currencies with a unit of their own in Grafana (`currency<CODE>`, its symbol), as in
# Grafana 11.3 (docker-compose.yml's image); any other ISO 4217 code is written before
# the amount (`prefix:`). tests/contract/test_dashboards.py checks them against Grafana's models.
GRAFANA_CURRENCIES = frozenset({
    "USD", "GBP", "EUR", "JPY", "RUB", "UAH", "BRL", "DKK", "ISK", "NOK", "SEK", "CZK",
    "CHF", "PLN", "ZAR", "INR", "KRW",
})
# First-response colours without an SLA policy (seconds): amber and red.
FIRST_RESPONSE_P50 = (900.0, 3600.0)
FIRST_RESPONSE_P90 = (1800.0, 3600.0)
NO_SLA_POLICY = "No SLA policy: add [[sla.policies]] to the worker's configuration"
NO_SLA_OUTCOME = "No SLA outcome yet"
NO_TEAM_SERIES = ("No team series: set [metrics] team_series = true and a [teams] allowlist "
                  "in the worker's configuration")
NO_TEAM_OUTCOME = "No team outcome yet"


@dataclass(frozen=True)
class WallSettings:
    """What the dashboards take from the worker's configuration."""

    currency: str = "EUR"
    """`[savings] currency`: the unit of every amount."""
    sla_policies: int = 0
    """How many SLA policies there are: without one, the SLA panels say so."""
    first_response_target_seconds: float | None = None
    """The longest first-response target of the SLA policies, if one has such a target."""
    first_response_at_risk_fraction: float = 0.8
    """That target's policy's at_risk_fraction (the earliest, among equal targets)."""
    team_series: bool = False
    """`[metrics] team_series`: without it, the team panels say how to turn them on."""

    @classmethod
    def of(cls, config: CarePulseConfig) -> WallSettings:
        policies = config.sla.policies
        targets = [(policy.first_response_seconds, -policy.at_risk_fraction)
                   for policy in policies if policy.first_response_seconds is not None]
        team_series = config.metrics.team_series
        if not targets:
            return cls(config.savings.currency, len(policies), team_series=team_series)
        seconds, negative_fraction = max(targets)
        return cls(config.savings.currency, len(policies), seconds, -negative_fraction,
                   team_series)

    @property
    def money_unit(self) -> str:
        if self.currency in GRAFANA_CURRENCIES:
            return f"currency{self.currency}"
        return f"prefix:{self.currency} "

    @property
    def sla_no_value(self) -> str:
        return NO_SLA_OUTCOME if self.sla_policies else NO_SLA_POLICY

    @property
    def team_no_value(self) -> str:
        return NO_TEAM_OUTCOME if self.team_series else NO_TEAM_SERIES

    @property
    def team_sla_no_value(self) -> str:
        """Team SLA panels: what is missing first, team series or a policy."""
        return self.sla_no_value if self.team_series else NO_TEAM_SERIES

    def first_response(self, default: tuple[float, float]) -> tuple[Thresholds, str]:
        """Colours of a first-response time, and a sentence saying where they come from:
        red from the longest SLA first-response target (slower than every target, a first
        response breaches whatever policy applies), amber from its at-risk point; the
        `default` (amber, red) without such a target."""
        target = self.first_response_target_seconds
        if target is None:
            amber, red = default
            return lower_is_better(amber, red), (
                f"Amber from {amber:g} s, red from {red:g} s (defaults: with SLA policies, "
                "the first-response targets set them).")
        red = _whole(target)
        amber = _whole(round(target * self.first_response_at_risk_fraction, 3))
        if amber >= red:  # at_risk_fraction = 1: no amber step
            return Thresholds(GREEN, ((red, RED),)), (
                f"Red from {red:g} s, the longest SLA first-response target; a target on a "
                "business calendar counts open hours only, this time every hour.")
        return lower_is_better(amber, red), (
            f"Red from {red:g} s (the longest SLA first-response target), amber from "
            f"{amber:g} s (its at-risk point); a target on a business calendar counts open "
            "hours only, this time every hour.")


def _whole(seconds: float) -> float:
    """`seconds` as an int when it is whole, so the JSON says 3600, not 3600.0."""
    return int(seconds) if float(seconds).is_integer() else seconds


DEFAULT_SETTINGS = WallSettings()

BRAND = variable("brand", "Brand", "label_values(carepulse_messages_received_total, brand)")
CHANNEL = variable("channel", "Channel",
                   'label_values(carepulse_messages_received_total{brand=~"$brand"}, channel)')
AGENT = variable("agent", "Agent",
                 'label_values(carepulse_agent_replies_total{brand=~"$brand"}, agent)')
TEAM = variable("team", "Team",
                'label_values(carepulse_team_replies_total{brand=~"$brand"}, team)')


def metric(name: str, *matchers: str, scope: str = SCOPE) -> str:
    return f"carepulse_{name}{{{', '.join((scope, *matchers))}}}"


def window(name: str, span: str, by: str = "") -> str:
    """The sum of a window gauge (additive counts) over workers and series."""
    grouping = f" by ({by})" if by else ""
    span_matcher = f'window="{span}"'
    return f"sum{grouping} ({metric(name, span_matcher)})"


def ratio(numerator: str, denominator: str) -> str:
    """numerator / denominator, absent (no data) where the denominator is 0."""
    return f"{numerator}\n  / ({denominator} > 0)"


def quantile(q: float, histogram: str, span: str, by: str = "", scope: str = SCOPE) -> str:
    keys = ", ".join(filter(None, (by, "le")))
    return (f"histogram_quantile({q}, sum by ({keys}) "
            f"(rate({metric(histogram + '_bucket', scope=scope)}[{span}])))")


def increase(counter: str, span: str, by: str = "", scope: str = SCOPE) -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (increase({metric(counter, scope=scope)}[{span}]))"


def compliance(span: str, by: str = "", prefix: str = "", scope: str = SCOPE) -> str:
    """met / (met + breached) of the `sla_` counters, or of the `team_sla_` ones."""
    met = increase(f"{prefix}sla_met_total", span, by, scope)
    breached = increase(f"{prefix}sla_breaches_total", span, by, scope)
    return ratio(met, f"({met} + {breached})")


def one_touch_rate(span: str, by: str = "") -> str:
    return ratio(increase("one_touch_resolutions_total", span, by),
                 increase("conversations_resolved_total", span, by))


def status_now(status: str) -> str:
    """Open cycles in `status` now, over every worker and series."""
    matcher = f'status="{status}"'
    return f"sum({metric('conversations_by_status', matcher)})"


def nps(span: str, by: str = "") -> str:
    promoters = window("window_nps_promoters", span, by)
    detractors = window("window_nps_detractors", span, by)
    return ratio(f"100 * ({promoters} - {detractors})", window("window_nps_responses", span, by))


def response_rate(span: str, by: str = "") -> str:
    return ratio(window("window_answered_messages", span, by),
                 window("window_messages_received", span, by))


def csat(span: str, by: str = "") -> str:
    return ratio(window("window_csat_satisfied", span, by),
                 window("window_csat_responses", span, by))


SAVINGS_30D = 'sum by (currency) (carepulse_savings{window="30d"})'
SOCIAL_COST_30D = 'sum by (currency) (carepulse_window_social_cost{window="30d"})'
ALTERNATIVE_COST_30D = 'sum by (currency) (carepulse_window_alternative_cost{window="30d"})'


def care_wall(settings: WallSettings = DEFAULT_SETTINGS) -> Json:
    p50_colours, p50_source = settings.first_response(FIRST_RESPONSE_P50)
    p90_colours, p90_source = settings.first_response(FIRST_RESPONSE_P90)
    waiting = stat(
        "Customers waiting now", f"sum({metric('waiting_conversations')})", "none",
        lower_is_better(10, 25), "Conversations whose customer waits for an agent reply.",
        width=4,
    )
    pending = stat(
        "Pending now", status_now("pending"), "none", NEUTRAL,
        "Open cases set to pending: the team waits for the customer's answer (a customer "
        "message sets them back to open). A count, not a target: neutral blue.", width=4,
    )
    on_hold = stat(
        "On hold now", status_now("on_hold"), "none", NEUTRAL,
        "Open cases on hold: waiting for a third party (another team, a supplier, a "
        "carrier). A count, not a target: neutral blue.", width=4,
    )
    oldest = stat(
        "Oldest waiting", f"max({metric('oldest_waiting_seconds')})", "s",
        lower_is_better(900, OLDEST_WAITING_RED_SECONDS),
        "Wait of the longest-waiting customer; red from the CarePulseCustomerWaitingLong "
        "alert's 30 minutes.", width=4,
    )
    p50 = stat(
        "First response p50 (1 h)", quantile(0.5, "first_response_seconds", "1h"), "s",
        p50_colours,
        f"Median first response of the last hour, from the histogram's buckets. {p50_source}",
        width=4,
    )
    p90 = stat(
        "First response p90 (1 h)", quantile(0.9, "first_response_seconds", "1h"), "s",
        p90_colours,
        "90th percentile first response of the last hour, from the histogram's buckets. "
        f"{p90_source}", width=4,
    )
    rate = stat(
        "Response rate (24 h)", response_rate("24h"), "percentunit",
        higher_is_better(0.9, RESPONSE_RATE_RED_BELOW),
        "Answered / received inbound messages over the last 24 h of event time; red below "
        "the CarePulseResponseRateLow alert's 80%.", width=5, decimals=1,
    )
    sla = stat(
        "SLA compliance (24 h)", compliance("24h"), "percentunit", higher_is_better(0.95, 0.9),
        "SLA targets met / (met + breached) over the last 24 h, every policy and target.",
        width=5, decimals=1, no_value=settings.sla_no_value,
    )
    csat_panel = stat(
        "CSAT (24 h)", csat("24h"), "percentunit", higher_is_better(0.8, 0.7),
        "Share of CSAT answers at or above csat_satisfied_min, last 24 h.", width=5,
        decimals=0,
    )
    nps_panel = stat(
        "NPS (24 h)", nps("24h"), "none", higher_is_better(30, 0),
        "100 x (promoters - detractors) / answers, last 24 h.", width=5, decimals=0,
        minimum=-100, maximum=100,
    )
    savings = stat(
        "Savings (30 d)", SAVINGS_30D, settings.money_unit, BELOW_ZERO_RED,
        "Alternative cost of the contacts resolved on social minus the social cost, over "
        "the last 30 days, every brand and channel.", legend="{{currency}}", width=4,
        decimals=0, display_name="${__field.labels.currency}",
    )
    inbound = timeseries(
        "Inbound messages per minute", [Query(
            f"sum by (channel) (rate({metric('messages_received_total')}[5m])) * 60",
            "{{channel}}")], "short", "Customer messages per minute, by channel.",
        width=12, height=9,
    )
    waiting_trend = timeseries(
        "Customers waiting", [Query(f"sum by (channel) ({metric('waiting_conversations')})",
                                    "{{channel}}")], "none",
        "Customers waiting for an agent, by channel.", width=12, height=9,
    )
    return dashboard(
        "carepulse-care-wall", "Care wall",
        "The numbers a care team watches on a screen: who waits now and which cases are "
        "pending or on hold, how fast and how well the team answers, what customers say "
        "and what social care saves.",
        [[waiting, pending, on_hold, oldest, p50, p90],
         [rate, sla, csat_panel, nps_panel, savings],
         [inbound, waiting_trend]],
        [BRAND, CHANNEL], time_from="now-6h", refresh="10s",
    )


def sla_dashboard(settings: WallSettings = DEFAULT_SETTINGS) -> Json:
    no_value = settings.sla_no_value
    breaches = timeseries(
        "Breaches per 15 min, by policy and target",
        [Query(increase("sla_breaches_total", "15m", "policy, target"),
               "{{policy}} {{target}}")], "none",
        "SLA targets breached in the 15 minutes before each point, counted at the deadline.",
        width=16, height=9, no_value=no_value,
    )
    at_risk_total = stat(
        "At risk now", f"sum({metric('sla_at_risk_conversations')})", "none",
        lower_is_better(1, 10),
        "Open SLA clocks past their at-risk fraction and not yet breached.", width=8,
        height=9, no_value=no_value,
    )
    at_risk = bars(
        "At risk now, by policy and target",
        f"sum by (policy, target) ({metric('sla_at_risk_conversations')})",
        "{{policy}} {{target}}", "none", "Open clocks at risk per policy and target.",
        lower_is_better(1, 10), width=8, no_value=no_value,
    )
    per_channel = bars(
        "Compliance per channel (24 h)", compliance("24h", "channel"), "{{channel}}",
        "percentunit", "Met / (met + breached) per channel, every policy and target.",
        higher_is_better(0.95, 0.9), width=8, minimum=0, maximum=1, no_value=no_value,
    )
    per_target = bars(
        "Compliance by policy and target (24 h)", compliance("24h", "policy, target"),
        "{{policy}} {{target}}", "percentunit", "Met / (met + breached) per policy target.",
        higher_is_better(0.95, 0.9), width=8, minimum=0, maximum=1, no_value=no_value,
    )
    trend = timeseries(
        "Compliance over the previous hour, by target",
        [Query(compliance("1h", "target"), "{{target}}")], "percentunit",
        "At each point: met / (met + breached) over the hour before it.", width=12,
        minimum=0, maximum=1, no_value=no_value,
    )
    met = timeseries(
        "Met per 15 min, by policy and target",
        [Query(increase("sla_met_total", "15m", "policy, target"), "{{policy}} {{target}}")],
        "none", "SLA targets met in the 15 minutes before each point.", width=12,
        no_value=no_value,
    )
    return dashboard(
        "carepulse-sla", "SLA",
        "SLA breaches over time, the clocks at risk now and compliance per channel, "
        "policy, target and team.",
        [[breaches, at_risk_total], [at_risk, per_channel, per_target], [trend, met],
         _team_sla_panels(settings)],
        [BRAND, CHANNEL, TEAM],
    )


def _team_sla_panels(settings: WallSettings) -> list[Panel]:
    """Compliance and breaches per team and target (every policy), from the opt-in
    team families."""
    no_value = settings.team_sla_no_value
    per_team = bars(
        "Compliance per team (24 h)",
        compliance("24h", "team", "team_", TEAM_SCOPE), "{{team}}", "percentunit",
        "Met / (met + breached) per team, every policy and target: a met target counts "
        "for the team of the answering reply or resolution, a breach for the "
        "conversation's team at the deadline.", higher_is_better(0.95, 0.9), width=8,
        minimum=0, maximum=1, no_value=no_value,
    )
    per_team_target = bars(
        "Compliance per team and target (24 h)",
        compliance("24h", "team, target", "team_", TEAM_SCOPE), "{{team}} {{target}}",
        "percentunit", "Met / (met + breached) per team and target, every policy.",
        higher_is_better(0.95, 0.9), width=8, minimum=0, maximum=1, no_value=no_value,
    )
    breaches = timeseries(
        "Breaches per hour, by team",
        [Query(increase("team_sla_breaches_total", "1h", "team", TEAM_SCOPE), "{{team}}")],
        "none", "SLA targets breached in the hour before each point, by the conversation's "
        "team at the deadline.", width=8, no_value=no_value,
    )
    return [per_team, per_team_target, breaches]


def channels_dashboard(settings: WallSettings = DEFAULT_SETTINGS) -> Json:
    p90_colours, p90_source = settings.first_response(FIRST_RESPONSE_P90)
    volumes = timeseries(
        "Inbound messages per minute, by channel",
        [Query(f"sum by (channel) (rate({metric('messages_received_total')}[5m])) * 60",
               "{{channel}}")], "short", "Customer messages per minute.", width=12,
    )
    replies = timeseries(
        "Replies per minute, by author type",
        [Query(f"sum by (author_type) (rate({metric('replies_sent_total')}[5m])) * 60",
               "{{author_type}}")], "short", "Agent, bot and automation replies per minute.",
        width=12,
    )
    response = bars(
        "Response rate per channel (24 h)", response_rate("24h", "channel"), "{{channel}}",
        "percentunit", "Answered / received inbound messages.",
        higher_is_better(0.9, RESPONSE_RATE_RED_BELOW), width=8, minimum=0, maximum=1,
    )
    resolution = bars(
        "Resolved / opened per channel (24 h)",
        ratio(window("window_conversations_resolved", "24h", "channel"),
              window("window_conversations_opened", "24h", "channel")),
        "{{channel}}", "percentunit",
        "Resolutions over cycles opened in the same 24 h (the live counterpart of the "
        "report's resolution rate, which follows each cycle).",
        higher_is_better(0.8, 0.6), width=8, minimum=0,
    )
    first_response = bars(
        "First response p90 per channel (1 h)",
        quantile(0.9, "first_response_seconds", "1h", "channel"), "{{channel}}", "s",
        f"From the histogram's buckets. {p90_source}", p90_colours, width=8,
    )
    topics = bars(
        "Top topics (24 h)",
        f"topk(10, {increase('topic_messages_total', '24h', 'topic')})", "{{topic}}",
        "none", "Inbound messages per topic, the 10 largest.", width=8, height=10,
    )
    quick_replies = bars(
        "Top quick replies (24 h)",
        f"topk(10, {increase('quick_replies_total', '24h', 'quick_reply')})",
        "{{quick_reply}}", "none", "Replies sent from each quick reply, the 10 largest.",
        width=8, height=10,
    )
    resolution_time = bars(
        "Resolution time p50 per channel (24 h)",
        quantile(0.5, "resolution_seconds", "24h", "channel"), "{{channel}}", "s",
        "From the histogram's buckets.", width=8, height=10,
    )
    sentiment = timeseries(
        "Net sentiment (1 h window), by channel",
        [Query(ratio(f'{window("window_sentiment_positive", "1h", "channel")} - '
                     f'{window("window_sentiment_negative", "1h", "channel")}',
                     window("window_sentiment_rated", "1h", "channel")), "{{channel}}")],
        "none", "(positive - negative) / rated inbound messages over the hour of event "
        "time before each point, from -1 to 1.", width=24, minimum=-1, maximum=1,
    )
    return dashboard(
        "carepulse-channels", "Channels and topics",
        "Volumes, response, assignment and resolution per channel, what customers write "
        "about and how they feel.",
        [[volumes, replies], [response, resolution, first_response],
         _handling_panels(), [topics, quick_replies, resolution_time], [sentiment]],
        [BRAND, CHANNEL],
    )


def _handling_panels() -> list[Panel]:
    """How cases are handled per channel: requester wait, assignment, one touch."""
    requester_wait = bars(
        "Requester wait p50 per channel (24 h)",
        quantile(0.5, "requester_wait_seconds", "24h", "channel"), "{{channel}}", "s",
        "Resolution time minus the time spent pending (waiting for the customer); time "
        "on hold still counts. From the histogram's buckets.", width=6,
    )
    assignment = bars(
        "Time to assignment p50 per channel (24 h)",
        quantile(0.5, "time_to_assignment_seconds", "24h", "channel"), "{{channel}}", "s",
        "First assignment of a cycle minus its start. From the histogram's buckets.",
        width=6,
    )
    reassignments = bars(
        "Reassignments per channel (24 h)",
        increase("reassignments_total", "24h", "channel"), "{{channel}}", "none",
        "Assignments to another agent than the current assignee.", width=6,
    )
    one_touch = bars(
        "One-touch rate per channel (24 h)", one_touch_rate("24h", "channel"),
        "{{channel}}", "percentunit",
        "Resolutions after exactly one agent reply / resolutions.", width=6, minimum=0,
        maximum=1,
    )
    return [requester_wait, assignment, reassignments, one_touch]


def _agent_bars(title: str, expr: str, unit: str, description: str,
                thresholds: Thresholds = NEUTRAL) -> Panel:
    return bars(title, expr, "{{agent}}", unit, description, thresholds, width=12, height=12)


def _team_bars(title: str, expr: str, unit: str, description: str, no_value: str,
               thresholds: Thresholds = NEUTRAL, **extra: Any) -> Panel:
    return bars(title, expr, "{{team}}", unit, description, thresholds, width=8,
                no_value=no_value, **extra)


def _team_panels(settings: WallSettings) -> list[list[Panel]]:
    """Two rows per team: first response p50 and p90 and requester wait; resolutions,
    SLA compliance and agent replies (the opt-in team families)."""
    p50_colours, p50_source = settings.first_response(FIRST_RESPONSE_P50)
    p90_colours, p90_source = settings.first_response(FIRST_RESPONSE_P90)
    no_value = settings.team_no_value
    p50 = _team_bars(
        "First response p50 per team (24 h)",
        quantile(0.5, "team_first_response_seconds", "24h", "team", TEAM_SCOPE), "s",
        "A first response counts for the team of the reply that gives it. "
        f"{p50_source}", no_value, p50_colours,
    )
    p90 = _team_bars(
        "First response p90 per team (24 h)",
        quantile(0.9, "team_first_response_seconds", "24h", "team", TEAM_SCOPE), "s",
        f"From each team's first-response histogram. {p90_source}", no_value, p90_colours,
    )
    requester_wait = _team_bars(
        "Requester wait p50 per team (24 h)",
        quantile(0.5, "team_requester_wait_seconds", "24h", "team", TEAM_SCOPE), "s",
        "Resolution time minus the time spent pending, for the conversation's team at "
        "the resolution.", no_value,
    )
    resolutions = _team_bars(
        "Resolutions per team (24 h)",
        f"sort_desc({increase('team_resolutions_total', '24h', 'team', TEAM_SCOPE)})",
        "none", "Resolutions, for the conversation's team at the resolution.", no_value,
    )
    sla = _team_bars(
        "SLA compliance per team (24 h)", compliance("24h", "team", "team_", TEAM_SCOPE),
        "percentunit", "Met / (met + breached) per team, every policy and target.",
        settings.team_sla_no_value, higher_is_better(0.95, 0.9), minimum=0, maximum=1,
    )
    replies = _team_bars(
        "Agent replies per team (24 h)",
        f"sort_desc({increase('team_replies_total', '24h', 'team', TEAM_SCOPE)})", "none",
        "A reply counts for its own team when it names one, else for the conversation's "
        "team.", no_value,
    )
    return [[p50, p90, requester_wait], [resolutions, sla, replies]]


def team_dashboard(settings: WallSettings = DEFAULT_SETTINGS) -> Json:
    p50_colours, p50_source = settings.first_response(FIRST_RESPONSE_P50)
    p90_colours, p90_source = settings.first_response(FIRST_RESPONSE_P90)
    replies = _agent_bars(
        "Replies per agent (24 h)",
        f"sort_desc({increase('agent_replies_total', '24h', 'agent', AGENT_SCOPE)})", "none",
        "Agent replies by each allowlisted agent.",
    )
    resolutions = _agent_bars(
        "Resolutions per agent (24 h)",
        f"sort_desc({increase('agent_resolutions_total', '24h', 'agent', AGENT_SCOPE)})",
        "none", "Resolutions naming each allowlisted agent.",
    )
    p50 = _agent_bars(
        "First response p50 per agent (24 h)",
        quantile(0.5, "agent_first_response_seconds", "24h", "agent", AGENT_SCOPE), "s",
        f"From each agent's first-response histogram. {p50_source}", thresholds=p50_colours,
    )
    p90 = _agent_bars(
        "First response p90 per agent (24 h)",
        quantile(0.9, "agent_first_response_seconds", "24h", "agent", AGENT_SCOPE), "s",
        f"From each agent's first-response histogram. {p90_source}", thresholds=p90_colours,
    )
    pace = timeseries(
        "Replies per hour, by agent",
        [Query(f"sum by (agent) (rate({metric('agent_replies_total', scope=AGENT_SCOPE)}"
               "[15m])) * 3600", "{{agent}}")], "short",
        "Each agent's reply pace over the 15 minutes before each point.", width=12,
    )
    authors = bars(
        "Replies by author type (24 h)", increase("replies_sent_total", "24h", "author_type"),
        "{{author_type}}", "none", "Who answers customers: agents, bots, automations.",
        width=12,
    )
    return dashboard(
        "carepulse-team", "Team",
        "Per team: first response, requester wait, resolutions, SLA compliance and "
        "replies; then per agent: replies, resolutions and first response. Team and agent "
        "series are opt-in: [metrics] team_series = true with a [teams] allowlist, and "
        "agent_series = true with an [agents] allowlist, in the worker's configuration.",
        [*_team_panels(settings), [replies, resolutions], [p50, p90], [pace, authors]],
        [BRAND, CHANNEL, TEAM, AGENT],
    )


def roi_dashboard(settings: WallSettings = DEFAULT_SETTINGS) -> Json:
    money = settings.money_unit
    savings = stat(
        "Savings (30 d)", SAVINGS_30D, money, BELOW_ZERO_RED,
        "Alternative cost - social cost over the last 30 days.", legend="{{currency}}",
        width=8, decimals=0, display_name="${__field.labels.currency}",
    )
    roi = stat(
        "ROI (30 d)", ratio(SAVINGS_30D, SOCIAL_COST_30D), "percentunit",
        higher_is_better(1, 0), "Savings / social cost over the last 30 days.",
        legend="{{currency}}", width=8, decimals=0,
        display_name="${__field.labels.currency}",
    )
    contacts = stat(
        "Contacts resolved on social (30 d)",
        window("window_conversations_resolved", "30d"), "short", BELOW_ZERO_RED,
        "Resolutions in the last 30 days: each saves one contact on another channel.",
        width=8, decimals=0,
    )
    savings_trend = timeseries(
        "Savings over 30 days", [Query(SAVINGS_30D, "savings {{currency}}")], money,
        "At each point: savings over the 30 days before it.", width=12,
    )
    roi_trend = timeseries(
        "ROI over 30 days", [Query(ratio(SAVINGS_30D, SOCIAL_COST_30D), "roi {{currency}}")],
        "percentunit", "At each point: savings / social cost over the 30 days before it.",
        width=12,
    )
    costs = timeseries(
        "Alternative cost against social cost (30 d)",
        [Query(ALTERNATIVE_COST_30D, "alternative {{currency}}"),
         Query(SOCIAL_COST_30D, "social {{currency}}")], money,
        "What the resolved contacts would have cost elsewhere, against what social care "
        "cost (tools, ads, staff), over the 30 days before each point.", width=12,
    )
    per_channel = bars(
        "Contacts resolved per channel (30 d)",
        window("window_conversations_resolved", "30d", "channel"), "{{channel}}", "short",
        "Resolutions per channel; each is priced at the channel's alternative cost.",
        width=12,
    )
    return dashboard(
        "carepulse-roi", "ROI",
        "Deflection savings and return on the cost of social care over rolling 30 days. "
        "Money carries no brand or channel: the money panels cover the whole deployment.",
        [[savings, roi, contacts], [savings_trend, roi_trend], [costs, per_channel]],
        [BRAND, CHANNEL], time_from="now-30d", refresh="5m",
    )


DASHBOARDS: dict[str, Callable[[WallSettings], Json]] = {
    "care-wall": care_wall,
    "sla": sla_dashboard,
    "channels-topics": channels_dashboard,
    "team": team_dashboard,
    "roi": roi_dashboard,
}
"""File name (without .json) -> builder."""
