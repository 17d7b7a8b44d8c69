"""Shared pieces of the live-pipeline tests: a real embedded broker, worker processes
started as `carepulse worker` (streams.testing.worker, the harness the benchmarks and the
demo use too), and comparisons of their `/metrics` with the replay."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.audit.report import AuditRun
from streams.audit.topic_replay import replay_topic
from streams.config import CarePulseConfig
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import produce_file
from streams.kpi.labels import NO_TEAM, NO_TOPIC, OTHER
from streams.kpi.timeutil import US_PER_SECOND
from streams.testing.simulate import write_file
from streams.testing.worker import Samples, WorkerProcess, total


@dataclass(frozen=True)
class ContainerBroker:
    """testcontainers' Kafka, with the one attribute the tests use."""

    url: str


def _docker_unreachable() -> str | None:
    """Why no Docker engine can be used, or None when one answers."""
    try:
        import docker

        docker.from_env().ping()
    except Exception as error:  # any failure means: no engine for us
        return f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
    return None


AnyBroker = EmbeddedBroker | ContainerBroker


@pytest.fixture(scope="session", params=["embedded", "kafka-container"])
def broker(request: pytest.FixtureRequest) -> Iterator[AnyBroker]:
    """The embedded broker always; Apache Kafka in a container where Docker is reachable."""
    if request.param == "embedded":
        yield request.getfixturevalue("embedded_broker")
        return
    reason = _docker_unreachable()
    if reason is not None:
        pytest.skip(f"no Docker engine reachable for testcontainers' Kafka ({reason})")
    from testcontainers.kafka import KafkaContainer

    with KafkaContainer() as container:
        yield ContainerBroker(container.get_bootstrap_server())


@pytest.fixture
def started_workers() -> Iterator[list[WorkerProcess]]:
    """Every worker a test appends here is killed at teardown, even when it fails."""
    workers: list[WorkerProcess] = []
    yield workers
    for worker in workers:
        if worker.process is not None and worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)


def worker_config(
    path: Path, name: str, metrics_port: int, extra_toml: str = "", metrics_toml: str = "",
    partitions: int = 4, **worker: Any,
) -> Path:
    """A configuration with topics and consumer group of its own (and `extra_toml`
    sections, `metrics_toml` keys of [metrics], `[kafka] partitions`)."""
    settings = "\n".join(f"{key} = {value}" for key, value in worker.items())
    path.write_text(
        f'[kafka]\napp_id = "{name}"\ninput_topic = "{name}.events"\n'
        f'dlq_topic = "{name}.dlq"\nalerts_topic = "{name}.alerts"\n'
        f'partitions = {partitions}\n'
        f'[metrics]\nport = {metrics_port}\n{metrics_toml}\n[worker]\n{settings}\n'
        f'{extra_toml}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def start_worker(
    tmp_path: Path, broker: AnyBroker, started_workers: list[WorkerProcess]
) -> Callable[..., WorkerProcess]:
    """Starts `carepulse worker` with topics and group named `name`; a second call with
    the same name starts a second member of the same group."""

    def start(
        name: str, extra_toml: str = "", metrics_toml: str = "", **worker: int
    ) -> WorkerProcess:
        port = free_port()
        config = tmp_path / f"{name}.toml"
        if not config.exists():
            worker_config(config, name, port, extra_toml, metrics_toml, **worker)
        log = tmp_path / f"{name}-{len(started_workers)}.log"
        started_workers.append(WorkerProcess(config, broker.url, port, log).start())
        return started_workers[-1]

    return start


def total_us(samples: Samples, name: str, **labels: str) -> int:
    """Like `total`, of seconds as exact microseconds: each series is an integer count of
    microseconds / 10**6, so its rounding is undone before adding (over brands, ...)."""
    wanted = set(labels.items())
    return sum(round(value * US_PER_SECOND) for (sample, series), value in samples.items()
               if sample == name and wanted <= series)


def produce_simulated(
    broker: AnyBroker, topic: str, path: Path, count: int, seed: int, bad_fraction: float = 0.0
) -> None:
    """`count` simulated events (streams.testing.simulate) written to `path` and produced to
    `topic`, keyed by conversation."""
    write_file(path, count, seed=seed, bad_fraction=bad_fraction)
    produce_file(path, broker.url, topic)


def replayed(broker: AnyBroker, topic: str, config: CarePulseConfig | None = None) -> AuditRun:
    run = AuditRun(config or CarePulseConfig())
    replay_topic(broker.url, topic, run)
    return run


def assert_metrics_equal_replay(m: Samples, run: AuditRun) -> None:
    """Counters, histogram counts and sums, and SLA outcomes equal the replay report."""
    mismatches = metrics_mismatches(m, run)
    assert not mismatches, "\n".join(mismatches)


def merged(scrapes: Iterable[Samples]) -> Samples:
    """Several workers' scrapes as one: every series summed over the workers."""
    sums: Samples = {}
    for samples in scrapes:
        for key, value in samples.items():
            sums[key] = sums.get(key, 0.0) + value
    return sums


def metrics_mismatches(m: Samples, run: AuditRun) -> list[str]:
    """Where the counters, histogram counts and sums, SLA outcomes and labelled counts
    of a scrape (or of `merged` scrapes) differ from the replay report: one line each,
    `what: live X, replay Y`; empty when they are equal."""
    report = run.report()
    totals = report["totals"]
    found: list[str] = []

    def compare(what: str, live: Any, replayed: Any) -> None:
        if live != replayed:
            found.append(f"{what}: live {live}, replay {replayed}")

    compare("messages_received", total(m, "carepulse_messages_received_total"),
            totals["messages_received"])
    for author, count in totals["replies_by_author"].items():
        compare(f"replies_sent{{author_type={author}}}",
                total(m, "carepulse_replies_sent_total", author_type=author), count)
    compare("conversations_opened", total(m, "carepulse_conversations_opened_total"),
            totals["conversations_opened"])
    compare("conversations_resolved", total(m, "carepulse_conversations_resolved_total"),
            totals["conversations_resolved"])
    compare("events_duplicate", total(m, "carepulse_events_duplicate_total"),
            report["events"]["duplicates"])
    compare("events_rejected", total(m, "carepulse_events_rejected_total"),
            report["events"]["rejected"])
    compare("events_read", total(m, "carepulse_events_read_total"), report["events"]["read"])
    for reason, count in run.rejected.items():
        compare(f"events_rejected{{reason={reason}}}",
                total(m, "carepulse_events_rejected_total", reason=reason), count)
    for channel, tally in run.sink.channels.items():
        for metric, samples_us in (
            ("first_response_seconds", tally.first_response_us),
            ("reply_wait_seconds", tally.reply_wait_us),
            ("resolution_seconds", tally.resolution_us),
            ("requester_wait_seconds", tally.requester_wait_us),
            ("time_to_assignment_seconds", tally.time_to_assignment_us),
        ):
            name = f"carepulse_{metric}"
            compare(f"{metric}_count{{channel={channel}}}",
                    total(m, name + "_count", channel=channel), len(samples_us))
            compare(f"{metric}_sum{{channel={channel}}} (us)",
                    total_us(m, name + "_sum", channel=channel), sum(samples_us))
        for metric, count in (("reassignments", tally.reassignments),
                              ("one_touch_resolutions", tally.one_touch)):
            compare(f"{metric}{{channel={channel}}}",
                    total(m, f"carepulse_{metric}_total", channel=channel), count)
    compare("sla outcomes", live_sla(m), report["sla"])
    compare("conversations_by_status summed over statuses",
            total(m, "carepulse_conversations_by_status"),
            total(m, "carepulse_open_conversations"))
    found.extend(labelled_count_mismatches(m, run))
    found.extend(team_mismatches(m, run))
    return found


TEAM_FAMILIES = (
    "carepulse_team_replies_total", "carepulse_team_resolutions_total",
    "carepulse_team_first_response_seconds_count", "carepulse_team_first_response_seconds_sum",
    "carepulse_team_requester_wait_seconds_count", "carepulse_team_requester_wait_seconds_sum",
    "carepulse_team_sla_met_total", "carepulse_team_sla_breaches_total",
)


def team_mismatches(m: Samples, run: AuditRun) -> list[str]:
    """The team families (when on) against the report's `by_team` under the team
    allowlist: facts without a team under `none`, teams outside the list under `other`."""
    config, teams = run.config, run.sink.teams
    if not config.metrics.team_series:
        exposed = {name for name, _ in m} & set(TEAM_FAMILIES)
        return [f"team series exposed while off: {sorted(exposed)}"] if exposed else []
    allowlist = (*config.teams.allowlist, NO_TEAM)
    expected: dict[str, dict[str, int]] = {}
    for team, tally in teams.items():
        label = team if team in allowlist else OTHER
        sums = expected.setdefault(label, {})
        for key, value in (
            ("carepulse_team_replies_total", tally.replies),
            ("carepulse_team_resolutions_total", tally.resolved),
            ("carepulse_team_first_response_seconds_count", len(tally.first_response_us)),
            ("carepulse_team_first_response_seconds_sum", sum(tally.first_response_us)),
            ("carepulse_team_requester_wait_seconds_count", len(tally.requester_wait_us)),
            ("carepulse_team_requester_wait_seconds_sum", sum(tally.requester_wait_us)),
            *((f"carepulse_team_sla_{outcome}_total/{target}", counts[index])
              for target, counts in tally.sla.items()
              for index, outcome in enumerate(("met", "breaches"))),
        ):
            sums[key] = sums.get(key, 0) + value
    live: dict[str, dict[str, int]] = {}
    for (name, series), value in m.items():
        if name not in TEAM_FAMILIES:
            continue
        labels = dict(series)
        key = f"{name}/{labels['target']}" if "target" in labels else name
        exact = round(value * US_PER_SECOND) if name.endswith("_sum") else int(value)
        sums = live.setdefault(labels["team"], {})
        sums[key] = sums.get(key, 0) + exact
    live, expected = _nonzero(live), _nonzero(expected)
    return [] if live == expected else [f"team families: live {live}, replay {expected}"]


def _nonzero(sums: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The non-zero counts, of the teams that have any."""
    kept = {team: {key: n for key, n in counts.items() if n} for team, counts in sums.items()}
    return {team: counts for team, counts in kept.items() if counts}


def by_label(counts: dict[str, int], allowlist: tuple[str, ...]) -> dict[str, int]:
    """Counts by raw value, as counted under their label values (outside: `other`)."""
    labelled: dict[str, int] = {}
    for value, count in counts.items():
        label = value if value in allowlist else OTHER
        labelled[label] = labelled.get(label, 0) + count
    return labelled


def labelled_totals(m: Samples, name: str, label: str) -> dict[str, int]:
    """Sums of a family by one label, over every other label (brand, channel, ...)."""
    sums: dict[str, int] = {}
    for (sample, series), value in m.items():
        if sample == name:
            key = dict(series)[label]
            sums[key] = sums.get(key, 0) + int(value)
    return sums


def labelled_count_mismatches(m: Samples, run: AuditRun) -> list[str]:
    """Topics, quick replies and (when on) agents, summed over brands and channels, and
    the report's top-10 lists against the replay's counts under the same allowlists."""
    report, sink, config = run.report(), run.sink, run.config
    found: list[str] = []
    messages = report["totals"]["messages_received"]
    topics = labelled_totals(m, "carepulse_topic_messages_total", "topic")
    expected_topics = by_label(sink.topics, config.topics.allowlist)
    if messages > sum(sink.topics.values()):
        expected_topics[NO_TOPIC] = messages - sum(sink.topics.values())
    if topics != expected_topics:
        found.append(f"topic_messages by topic: live {topics}, replay {expected_topics}")
    quick_replies = labelled_totals(m, "carepulse_quick_replies_total", "quick_reply")
    expected_quick = by_label(sink.quick_replies, config.quick_replies.allowlist)
    if quick_replies != expected_quick:
        found.append(f"quick_replies by quick_reply: live {quick_replies}, "
                     f"replay {expected_quick}")
    for what, family, counts, allowlist in (
        ("topic", topics, report["topics"], config.topics.allowlist),
        ("quick reply", quick_replies, report["quick_replies"], config.quick_replies.allowlist),
    ):
        for value, count in counts:
            if value in allowlist and family.get(value) != count:
                found.append(f"top {what} {value}: live {family.get(value)}, replay {count}")
    agent_families = {
        "carepulse_agent_replies_total": "replies",
        "carepulse_agent_resolutions_total": "resolutions",
        "carepulse_agent_first_response_seconds_count": "first_responses",
    }
    if not config.metrics.agent_series:
        exposed = {name for name, _ in m} & set(agent_families)
        if exposed:
            found.append(f"agent series exposed while off: {sorted(exposed)}")
        return found
    for name, key in agent_families.items():
        counts = {agent: summary[key] for agent, summary in report["agents"].items()}
        expected = {agent: n for agent, n in by_label(counts, config.agents.allowlist).items()
                    if n}
        live = {agent: n for agent, n in labelled_totals(m, name, "agent").items() if n}
        if live != expected:
            found.append(f"{name} by agent: live {live}, replay {expected}")
    return found


def live_sla(m: Samples) -> dict[str, dict[str, dict[str, Any]]]:
    """The `sla` section of a report, from the met and breached counters of a scrape."""
    outcomes: dict[str, dict[str, dict[str, Any]]] = {}
    for (name, labels), value in m.items():
        outcome = {"carepulse_sla_met_total": "met",
                   "carepulse_sla_breaches_total": "breached"}.get(name)
        if outcome is None:
            continue
        series = dict(labels)
        counts = outcomes.setdefault(series["policy"], {}).setdefault(
            series["target"], {"met": 0, "breached": 0}
        )
        counts[outcome] += int(value)
    for targets in outcomes.values():
        for counts in targets.values():
            settled = counts["met"] + counts["breached"]
            counts["compliance"] = round(counts["met"] / settled, 6) if settled else None
    return outcomes


def read_topic(broker: AnyBroker, topic: str, expected: int) -> list[Any]:
    """Records of every partition, until `expected` arrived or 20 s passed."""
    consumer = KafkaConsumer(bootstrap_servers=broker.url, auto_offset_reset="earliest")
    partitions = consumer.partitions_for_topic(topic) or set()
    consumer.assign([TopicPartition(topic, partition) for partition in partitions])
    records: list[Any] = []
    deadline = time.monotonic() + 20
    while len(records) < expected and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.close()
    return records
