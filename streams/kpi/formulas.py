"""The derived KPIs (docs/kpis.md sections 2-6 and 8), each written once: the audit report
(streams/kpi/tally.py, streams/audit/report.py) and the live window gauges
(streams/state/windows.py) both call these.

Pure functions of counts. A ratio whose denominator is 0 is None (the report shows null,
a gauge is left out). Counts are ints; each result is computed in the same order of
operations the report always used, so report bytes do not change.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.kpi.settings import MONTH_SECONDS, Savings
from streams.kpi.stats import exact_quotient, ratio
from streams.kpi.timeutil import US_PER_SECOND


def response_rate(answered: int, messages: int) -> float | None:
    """Answered messages / messages received."""
    return ratio(answered, messages)


def mean_seconds(sum_us: int, count: int) -> float | None:
    """The mean of `count` durations summing to `sum_us` microseconds, in seconds."""
    return ratio(exact_quotient(sum_us, US_PER_SECOND), count)


def csat_mean(score_sum: int, responses: int) -> float | None:
    return ratio(score_sum, responses)


def csat_score(satisfied: int, responses: int) -> float | None:
    """The share of CSAT responses at or above the satisfied threshold."""
    return ratio(satisfied, responses)


def nps_score(promoters: int, detractors: int, responses: int) -> float | None:
    """100 x (promoters - detractors) / responses."""
    return None if not responses else 100 * (promoters - detractors) / responses


def net_sentiment(positive: int, negative: int, rated: int) -> float | None:
    """(positive - negative) / inbound messages carrying a sentiment."""
    return ratio(positive - negative, rated)


def alternative_cost(savings: Savings, resolved_by_channel: Iterable[tuple[str, int]]) -> float:
    """What the resolutions would have cost on each channel's alternative, in order."""
    return float(sum(resolved * savings.alternative_cost(channel)
                     for channel, resolved in resolved_by_channel))


def social_cost(monthly_total: float, seconds: float, owned: int = 1, of: int = 1) -> float:
    """The monthly social cost prorated to `seconds` (a month is MONTH_SECONDS), and the
    share `owned` / `of` of it (a worker's input partitions of the topic's)."""
    return monthly_total * seconds / MONTH_SECONDS * owned / of


def savings_and_roi(alternative: float, social: float) -> tuple[float, float | None]:
    """(alternative - social, that / social)."""
    net = alternative - social
    return net, ratio(net, social)
