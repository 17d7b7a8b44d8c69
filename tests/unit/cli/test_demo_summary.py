"""The demo's live summary from a fixed scrape: every number worked out by hand, the
first-response p50 interpolated as PromQL's histogram_quantile does (and checked
against promtool's own PromQL engine), the rates and CSAT from the longest window."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from streams.cli.demo.summary import (
    SUMMARY_WINDOW,
    Estimate,
    format_estimate,
    histogram_quantile,
    summarize,
    summary_lines,
)
from streams.metrics.scrape import Sample, parse_samples

FIRST_RESPONSE = "carepulse_first_response_seconds"
BOUNDS = ("60.0", "300.0", "900.0", "1800.0", "3600.0", "7200.0", "14400.0", "28800.0",
          "86400.0", "+Inf")


def histogram(channel: str, cumulative: tuple[float, ...], sum_seconds: float) -> list[Sample]:
    """One series of the first-response histogram, as the worker exposes it."""
    labels = {"brand": "acme", "channel": channel}
    return [
        *(Sample(f"{FIRST_RESPONSE}_bucket", {**labels, "le": le}, count)
          for le, count in zip(BOUNDS, cumulative, strict=True)),
        Sample(f"{FIRST_RESPONSE}_count", labels, cumulative[-1]),
        Sample(f"{FIRST_RESPONSE}_sum", labels, sum_seconds),
    ]


def series(name: str, values: dict[str, float], **labels: str) -> list[Sample]:
    """`name` per channel, with `labels`."""
    return [Sample(name, {"brand": "acme", "channel": channel, **labels}, value)
            for channel, value in values.items()]


# Two channels. First response: x has 2 answers up to 60 s, 3 more up to 300 s, 1 up to
# 900 s (6); facebook 1, 2 more, 1 more (4). Summed: 3 / 8 / 10 (cumulative), so the
# median's rank 10 x 0.5 = 5 lies in (60, 300], which holds 8 - 3 = 5 answers, the 2nd of
# them: 60 + (300 - 60) x (5 - 3) / 5 = 156 s = 2m36s. Mean (1,200 + 800) / 10 = 200 s.
SAMPLES = [
    *histogram("x", (2, 5, 6, 6, 6, 6, 6, 6, 6, 6), 1200),
    *histogram("facebook", (1, 3, 4, 4, 4, 4, 4, 4, 4, 4), 800),
    *series("carepulse_messages_received_total", {"x": 120, "facebook": 80}),
    *series("carepulse_replies_sent_total", {"x": 150, "facebook": 30}, author_type="agent"),
    *series("carepulse_replies_sent_total", {"x": 9}, author_type="bot"),
    *series("carepulse_open_conversations", {"x": 12, "facebook": 5}),
    *series("carepulse_waiting_conversations", {"x": 3, "facebook": 1}),
    *series("carepulse_conversations_by_status", {"x": 7, "facebook": 3}, status="open"),
    *series("carepulse_conversations_by_status", {"x": 4, "facebook": 1}, status="pending"),
    *series("carepulse_conversations_by_status", {"x": 1, "facebook": 1}, status="on_hold"),
    *series("carepulse_oldest_waiting_seconds", {"x": 45, "facebook": 75}),
    # SLA: met 7 + 20 + 3 = 30, breached 4 + 5 + 1 = 10 (75% met), at risk 2 + 1 + 0
    *series("carepulse_sla_met_total", {"x": 7}, policy="urgent", target="first_response"),
    *series("carepulse_sla_met_total", {"x": 12, "facebook": 8}, policy="standard",
            target="first_response"),
    *series("carepulse_sla_met_total", {"facebook": 3}, policy="standard",
            target="next_response"),
    *series("carepulse_sla_breaches_total", {"x": 4}, policy="urgent",
            target="first_response"),
    *series("carepulse_sla_breaches_total", {"x": 5, "facebook": 0}, policy="standard",
            target="first_response"),
    *series("carepulse_sla_breaches_total", {"facebook": 1}, policy="standard",
            target="next_response"),
    *series("carepulse_sla_at_risk_conversations", {"x": 2}, policy="urgent",
            target="first_response"),
    *series("carepulse_sla_at_risk_conversations", {"x": 1, "facebook": 0},
            policy="standard", target="first_response"),
    # windows: only 30d counts. Response rate (100 + 70) / (120 + 80) = 85%; CSAT
    # (9 + 7) / (12 + 8) = 80% of 20 answers. The 1h and 24h values would give 20%
    # and 10%.
    *series("carepulse_window_messages_received", {"x": 120, "facebook": 80}, window="30d"),
    *series("carepulse_window_answered_messages", {"x": 100, "facebook": 70}, window="30d"),
    *series("carepulse_window_csat_responses", {"x": 12, "facebook": 8}, window="30d"),
    *series("carepulse_window_csat_satisfied", {"x": 9, "facebook": 7}, window="30d"),
    *series("carepulse_window_messages_received", {"x": 50}, window="1h"),
    *series("carepulse_window_answered_messages", {"x": 10}, window="1h"),
    *series("carepulse_window_csat_responses", {"x": 10}, window="24h"),
    *series("carepulse_window_csat_satisfied", {"x": 1}, window="24h"),
    *series("carepulse_window_response_rate", {"x": 0.5}, window="30d"),  # a ratio: unused
    Sample("carepulse_events_rejected_total", {"reason": "invalid_json"}, 3),
    Sample("carepulse_events_rejected_total", {"reason": "unknown_type"}, 2),
    Sample("carepulse_events_duplicate_total", {}, 1),
]


def test_the_summary_of_a_fixed_scrape_line_by_line() -> None:
    assert SUMMARY_WINDOW == "30d"
    assert summary_lines(1234, 0, summarize(SAMPLES)) == [
        "sent 1,234  customer messages 200  replies 189  rejected 5  duplicates 1",
        "conversations open 17  waiting 4  pending 5  on hold 2  oldest waiting 1m15s",
        "first response p50 ~2m36s (bucket 1m-5m)  mean 3m20s  (10 samples)",
        "SLA met 30  breached 10  (75% met)  at risk now 3",
        "last 30d: response rate 85%  CSAT 80% satisfied (20 answers)",
    ]


def test_before_any_answer_the_summary_shows_dashes_not_zeros() -> None:
    zeros = [
        *histogram("x", (0,) * 10, 0),
        *series("carepulse_messages_received_total", {"x": 4}),
        *series("carepulse_sla_met_total", {"x": 0}, policy="urgent", target="first_response"),
        *series("carepulse_sla_breaches_total", {"x": 0}, policy="urgent",
                target="first_response"),
    ]
    assert summary_lines(7, 2, summarize(zeros)) == [
        "sent 7 (2 failed)  customer messages 4  replies 0  rejected 0  duplicates 0",
        "conversations open 0  waiting 0  pending 0  on hold 0  oldest waiting 0s",
        "first response p50 -  mean -  (0 samples)",
        "SLA met 0  breached 0  (- met)  at risk now 0",
        "last 30d: response rate -  CSAT - satisfied (0 answers)",
    ]
    assert summary_lines(0, 0, None) == ["sent 0", "waiting for the worker's /metrics ..."]


def buckets(counts: dict[str, float]) -> list[Sample]:
    return [Sample(f"{FIRST_RESPONSE}_bucket", {"channel": "x", "le": le}, value)
            for le, value in counts.items()]


@pytest.mark.parametrize(("counts", "estimate", "text"), [
    # all in the first bucket: from 0, rank 2 of 4 -> 60 x 2 / 4
    ({"60.0": 4, "300.0": 4, "+Inf": 4}, Estimate(30.0, (0.0, 60.0)), "~30s (bucket 0-1m)"),
    # rank 2: 1 below 60 s, 2 in (60, 300] -> 60 + 240 x 1 / 2
    ({"60.0": 1, "300.0": 3, "900.0": 4, "+Inf": 4}, Estimate(180.0, (60.0, 300.0)),
     "~3m (bucket 1m-5m)"),
    # the rank on a bucket's upper count: its upper bound
    ({"60.0": 2, "300.0": 4, "+Inf": 4}, Estimate(60.0, (0.0, 60.0)), "~1m (bucket 0-1m)"),
    # in +Inf: the highest finite bound, as PromQL returns, shown as a lower bound
    ({"60.0": 0, "86400.0": 1, "+Inf": 5}, Estimate(86400.0, (86400.0, math.inf)), ">24h"),
])
def test_the_p50_is_interpolated_inside_its_bucket(
    counts: dict[str, float], estimate: Estimate, text: str
) -> None:
    assert histogram_quantile(0.5, buckets(counts), FIRST_RESPONSE) == estimate
    assert format_estimate(estimate) == text


def test_no_samples_no_estimate() -> None:
    assert histogram_quantile(0.5, [], FIRST_RESPONSE) is None
    assert histogram_quantile(0.5, buckets({"60.0": 0, "+Inf": 0}), FIRST_RESPONSE) is None
    assert format_estimate(None) == "-"


def test_the_p50_is_the_one_promql_computes(tmp_path: Path) -> None:
    """promtool evaluates histogram_quantile over the same buckets, summed by `le`."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not on PATH: run `bash scripts/setup.sh` (it installs the "
                    "Debian package prometheus)")
    estimate = histogram_quantile(0.5, SAMPLES, FIRST_RESPONSE)
    assert estimate == Estimate(156.0, (60.0, 300.0))
    input_series = "".join(
        f"      - series: '{sample.name}{{channel=\"{sample.labels['channel']}\","
        f"le=\"{sample.labels['le']}\"}}'\n        values: '{sample.value:g}x2'\n"
        for sample in SAMPLES if sample.name == f"{FIRST_RESPONSE}_bucket"
    )
    tests = tmp_path / "quantile.yml"
    tests.write_text(
        "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
        f"    input_series:\n{input_series}    promql_expr_test:\n"
        f"      - expr: histogram_quantile(0.5, sum by (le) ({FIRST_RESPONSE}_bucket))\n"
        f"        eval_time: 1m\n        exp_samples:\n"
        f"          - labels: '{{}}'\n            value: {estimate.seconds:g}\n",
        encoding="utf-8",
    )
    result = subprocess.run([promtool, "test", "rules", str(tests)], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_scrape_read_back_from_text_gives_the_same_summary() -> None:
    """The exposition format the demo really reads: counters end in `_total`."""
    text = "\n".join([
        "# TYPE carepulse_sla_met counter",
        'carepulse_sla_met_total{brand="acme",channel="x",policy="urgent",'
        'target="first_response"} 7.0',
        "# TYPE carepulse_sla_breaches counter",
        'carepulse_sla_breaches_total{brand="acme",channel="x",policy="urgent",'
        'target="first_response"} 3.0',
        "# TYPE carepulse_window_csat_responses gauge",
        'carepulse_window_csat_responses{brand="acme",channel="x",window="30d"} 4.0',
        "# TYPE carepulse_window_csat_satisfied gauge",
        'carepulse_window_csat_satisfied{brand="acme",channel="x",window="30d"} 3.0',
        "",
    ])
    summary = summarize(parse_samples(text))
    assert (summary.sla_met, summary.sla_breached, summary.sla_compliance) == (7, 3, 0.7)
    assert summary.csat_score == 0.75
