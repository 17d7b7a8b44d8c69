"""`carepulse worker`: the Faust application on the input topic.

The agent reads raw bytes (a value-decode error in Faust would ack the record and crash
the agent), validates them with the core's schemas, copies rejected records untouched to
the DLQ with reason headers, and applies the rest to the partition's in-memory state.

Checkpoints make restarts exact without a changelog record per event (which would halve
Faust's throughput): every `checkpoint_events` events or `checkpoint_seconds`, the changed
conversations, new dedupe ids and then one `meta` record per partition are written to
CarePulse's changelog topic (changelog.py), the producer is flushed, and only then are the
covered events acked (so Faust commits them). The `meta` records are sent after a flush
and therefore travel alone in the last batch of their changelog partition: the embedded
broker answers "latest" offsets as *base offset of the last batch + 1*, which is then the
true end, and a restore reads every committed checkpoint (changelog.py).

A partition assigned to this worker is restored from the changelog by a task of its own;
its events wait for it. A partition revoked by a rebalance is checkpointed first, and its
state is kept: when the same rebalance gives it back and nobody wrote to its changelog
partition in between, the state is used again without reading the changelog.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from typing import Any

import faust
from faust.types import TP

from schemas.rejections import Rejection
from streams import core_runs
from streams.config import CarePulseConfig
from streams.kafka.alerts import alert_record
from streams.kafka.changelog import read_partitions
from streams.kafka.dlq import dead_letter
from streams.kafka.gaps import read_range
from streams.kafka.group_watchdog import GroupWatchdog
from streams.kafka.topics import changelog_topic_name, prepare_topics
from streams.kpi.timeutil import US_PER_SECOND
from streams.live.fetch_wait import FetchWait
from streams.live.log_throttle import throttle_client_logs
from streams.live.settings import faust_settings
from streams.live.startup import wait_for_broker
from streams.metrics.catalogue import series_bound
from streams.metrics.http_security import metrics_security
from streams.metrics.server import MetricsServer
from streams.state.partition import PartitionState

log = logging.getLogger("carepulse.worker")
RESTORE_RETRY_SECONDS = 1.0
WATCHDOG_SECONDS = 2.0  # how often the group watchdog looks
SUMMARY_SECONDS = 60.0  # how often the worker logs its one-line summary
# Faust's start-up banner and service chatter (~80 lines), the Kafka clients' tables of
# subscriptions and assignments: warnings only, unless --log-level debug. aiokafka's
# group coordinator keeps its few lines per rebalance (joined, elected, synced): they
# tell an operator what the group does.
QUIET_LOGGERS = ("faust", "mode", "kafka", "aiokafka")
GROUP_LOGGER = "aiokafka.consumer.group_coordinator"
# Young collections every 50,000 net allocations instead of 700: Faust's per-record
# futures and events die young instead of being promoted, and the hundreds of thousands
# of long-lived conversations are traversed far less often (a 200,000-event drain: +7 %).
GC_THRESHOLDS = (50_000, 20, 100)
TICK_SECONDS = 0.2  # SLA clocks, alerts and checkpoints: an alert leaves <= ~0.2 s late
RUN_EVENTS = 1024  # a backlog is applied in runs of up to this many events (receive)


class LiveWorker:
    """Owns the partition states of this process and their checkpoints."""

    def __init__(self, app: faust.App, config: CarePulseConfig) -> None:
        self.app = app
        self.config = config
        kafka = config.kafka
        self.topic_partitions: int = kafka.partitions  # the input's real count: run_worker
        self.source = app.topic(
            kafka.input_topic, key_type=bytes, value_type=bytes, key_serializer="raw",
            value_serializer="raw", partitions=kafka.partitions,
        )
        self.dlq, self.alerts = (
            app.topic(
                name, key_type=bytes, value_type=bytes, key_serializer="raw",
                value_serializer="raw", partitions=1,
            )
            for name in (kafka.dlq_topic, kafka.alerts_topic)
        )
        self._changelog_topic = changelog_topic_name(kafka)
        self.states: dict[int, PartitionState] = {}
        self.owned: set[int] = set()
        self._restoring: dict[int, asyncio.Task[None]] = {}
        # revoked by a rebalance, kept with the changelog end of their last checkpoint
        self._parked: dict[int, tuple[PartitionState, int]] = {}
        self._changelog_ends: dict[int, int] = {}  # partition -> end after our last meta
        self._pending: list[Any] = []
        self._inbox: list[Any] = []  # received, not yet applied (receive)
        self._inbox_lock = asyncio.Lock()
        self._known_ends: dict[int, int] = {}  # partition -> its end at the last look
        self._last_checkpoint = time.monotonic()
        self._lock = asyncio.Lock()
        self.fetch_wait = FetchWait()
        self._applied_offsets = 0  # sum of the owned partitions' next offsets, last tick

    def summary(self) -> str:
        """One line on what this worker owns and has counted there, for its log and its
        index page: counts only, never a customer's data."""
        states = [self.states[p] for p in sorted(self.owned) if p in self.states]
        rejected: Counter[str] = Counter()
        read = duplicates = lag = 0
        for state in states:
            rejected.update(state.rejected)
            duplicates += state.engine.duplicates
            read += state.engine.accepted + state.engine.duplicates
            lag += state.lag_records
        read += sum(rejected.values())
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in sorted(rejected.items()))
        return (f"owns partitions {sorted(self.owned)} of {self.topic_partitions} "
                f"({self.recovering} restoring), lag {lag:,} records; counted there: "
                f"{read:,} events read, {sum(rejected.values()):,} rejected"
                f"{f' ({reasons})' if reasons else ''}, {duplicates:,} duplicates")

    @property
    def recovering(self) -> int:
        """Owned partitions whose state is still being read from the changelog."""
        return len(self._restoring)

    async def _state(self, partition: int) -> PartitionState | None:
        """The partition's state once restored; None when it was revoked meanwhile."""
        state = self.states.get(partition)
        while state is None and partition in self.owned:
            task = self._restoring.get(partition)
            if task is None:
                return None
            await asyncio.wait([task])  # a restore cancelled by a revocation raises nothing
            state = self.states.get(partition)
        return state

    async def receive(self, event: Any) -> None:
        """Applies events in runs: while its partition has a backlog, an event waits here
        until RUN_EVENTS have come, so that CarePulse's code runs over many events in a
        row instead of taking turns with Faust's machinery at every event (a backlog
        drain needs about 12 % less CPU time). An event at its partition's end, as of
        the last fetch, is applied at once with those before it, so live traffic waits
        for nothing; the tick applies whatever is left."""
        self._inbox.append(event)
        if len(self._inbox) >= RUN_EVENTS or self._at_end(event.message):
            await self.apply_inbox()

    def _at_end(self, message: Any) -> bool:
        next_offset: int = message.offset + 1
        if next_offset < self._known_ends.get(message.partition, 0):
            return False  # ends only grow: no need to ask the consumer
        end = self._highwater(message.partition)
        if end is None:
            return True
        self._known_ends[message.partition] = end
        return next_offset >= end

    async def apply_inbox(self) -> None:
        """In arrival order, also when the tick and the agent both call it."""
        async with self._inbox_lock:
            events, self._inbox = self._inbox, []
            for event in events:
                await self.handle(event)

    async def handle(self, event: Any) -> None:
        message = event.message
        state = self.states.get(message.partition)
        if state is None:
            state = await self._state(message.partition)
            if state is None:
                return  # revoked while buffered or restored: its new owner applies it
        if message.offset > state.next_offset:
            await self._read_skipped(state, message.offset)
        offset, value = message.offset, message.value
        rejection = state.apply(offset, value, int(message.timestamp * US_PER_SECOND))
        if rejection is not None:
            await self._dead_letter(state, offset, message.key, value, rejection)
        self._pending.append(event)
        if len(self._pending) >= self.config.worker.checkpoint_events:
            await self.checkpoint()

    async def _dead_letter(
        self, state: PartitionState, offset: int, key: bytes | None, value: bytes | None,
        rejection: Rejection,
    ) -> None:
        dlq_key, dlq_value, headers = dead_letter(
            rejection, self.source.get_topic_name(), state.partition, offset, key, value,
            self.app.conf.producer_max_request_size,
        )
        await self.dlq.send(key=dlq_key, value=dlq_value, headers=headers)

    async def _read_skipped(self, state: PartitionState, delivered_offset: int) -> None:
        """The consumer skipped records after the state's next offset (gaps.py)."""
        log.warning("partition %d: the consumer skipped offsets %d to %d: reading them",
                    state.partition, state.next_offset, delivered_offset - 1)
        records = await read_range(
            self.config.kafka, self.source.get_topic_name(), state.partition,
            state.next_offset, delivered_offset,
        )
        for record in records:
            rejection = state.apply(record.offset, record.value, record.timestamp * 1000)
            if rejection is not None:
                await self._dead_letter(state, record.offset, record.key, record.value, rejection)

    async def _send_alerts(self, state: PartitionState) -> None:
        """Alerts leave in bursts, from the tick and before a checkpoint's flush: the
        producer packs a burst into few requests, where one request per alert cost a
        backlog drain about 10 % of its rate (each one covered by the checkpoint that
        acks its event, so none is lost)."""
        alerts, state.alerts = state.alerts, []
        for alert in alerts:
            key, value = alert_record(alert)
            await self.app.producer.send(
                self.alerts.get_topic_name(), key, value, None, timestamp=None, headers=None
            )

    async def tick(self) -> None:
        """Every owned partition's SLA clocks see its now: the newest event time while it
        drains a backlog or replays history, the wall clock once it has applied everything
        fetched of live traffic (WorkerConfig)."""
        if self._inbox:
            await self.apply_inbox()
        wall_us = time.time_ns() // 1000
        backfill_delay_us = round(self.config.worker.backfill_delay_seconds * US_PER_SECOND)
        for partition in sorted(self.owned):
            state = self.states.get(partition)
            if state is None:
                continue
            highwater = self._highwater(partition)
            state.lag_records = 0 if highwater is None else max(highwater - state.next_offset, 0)
            live = (
                highwater is not None and state.lag_records == 0
                and not state.replays_history(backfill_delay_us)
            )
            if live:  # in a backlog, each event already advanced the clocks
                state.advance(wall_us)
            if state.alerts:
                await self._send_alerts(state)
        owned = [self.states[p] for p in self.owned if p in self.states]
        applied_offsets = sum(state.next_offset for state in owned)
        self.fetch_wait.update(
            lagging=any(state.lag_records for state in owned),
            progressed=applied_offsets != self._applied_offsets,
        )
        self._applied_offsets = applied_offsets
        await self.checkpoint_if_due()

    def _highwater(self, partition: int) -> int | None:
        """The partition's end as of the last fetch; None before the first one."""
        try:
            highwater = self.app.consumer.highwater(TP(self.source.get_topic_name(), partition))
        except Exception:  # not assigned yet, or the consumer is restarting
            return None
        return None if highwater is None else int(highwater)

    async def checkpoint(self) -> None:
        async with self._lock:
            await self._checkpoint()

    async def _checkpoint(self) -> None:
        self._last_checkpoint = time.monotonic()
        covered, self._pending = self._pending, []
        checkpoints = [
            (state.partition, *state.checkpoint())
            for state in self.states.values() if state.dirty
        ]
        if not checkpoints and not covered:
            return
        for state in self.states.values():
            if state.alerts:
                await self._send_alerts(state)
        for partition, records, _ in checkpoints:
            for key, value in records:
                await self._send_changelog(partition, key, value)
        await self.app.producer.flush()
        sent = [
            (partition, await self._send_changelog(partition, key, value))
            for partition, _, (key, value) in checkpoints
        ]
        await self.app.producer.flush()
        for partition, meta_sent in sent:
            self._changelog_ends[partition] = (await meta_sent).offset + 1
        for event in covered:
            if event.message.partition in self.owned:
                event.ack()

    async def _send_changelog(
        self, partition: int, key: bytes, value: bytes | None
    ) -> Awaitable[Any]:
        """Straight to the producer: Faust's send_soon buffer holds only ~1,000 records
        and logs a warning each time a checkpoint fills it. The changelog partition is the
        input partition whose state the record holds. Returns the record's metadata to
        come (its offset)."""
        sent: Awaitable[Any] = await self.app.producer.send(
            self._changelog_topic, key, value, partition, timestamp=None, headers=None
        )
        return sent

    async def checkpoint_if_due(self) -> None:
        due_at = self._last_checkpoint + self.config.worker.checkpoint_seconds
        if time.monotonic() >= due_at:
            await self.checkpoint()

    def assign(self, partitions: Iterable[int]) -> None:
        """The partitions of a new assignment: a parked state whose changelog partition
        nobody wrote to since its checkpoint is used again; the others are restored. A
        state outside the assignment (revoked without a revocation call) is dropped, so
        every state held belongs to an owned partition."""
        self.owned = set(partitions)
        for partition in set(self.states) - self.owned:
            del self.states[partition]
        self._pending = [e for e in self._pending if e.message.partition in self.owned]
        self._inbox = [e for e in self._inbox if e.message.partition in self.owned]
        self._known_ends.clear()
        parked, self._parked = self._parked, {}
        to_restore = sorted(self.owned - set(self.states) - set(self._restoring))
        if to_restore:
            known_ends = {p: end for p, (_, end) in parked.items() if p in self.owned}
            task = asyncio.create_task(self._restore(to_restore, parked, known_ends))
            for partition in to_restore:
                self._restoring[partition] = task

    async def _restore(
        self, partitions: list[int], parked: dict[int, tuple[PartitionState, int]],
        known_ends: dict[int, int],
    ) -> None:
        """Reads the changelog partitions (retrying while the broker fails) and installs
        each state; a partition revoked meanwhile is left out."""
        started = time.monotonic()
        while True:
            try:
                records = await read_partitions(
                    self.config.kafka, self._changelog_topic, partitions, known_ends
                )
                break
            except Exception as error:  # the broker is away or slow: try again
                log.warning("reading the changelog of partitions %s failed (%s: %s); "
                            "retrying in %g s", partitions, type(error).__name__, error,
                            RESTORE_RETRY_SECONDS)
                await asyncio.sleep(RESTORE_RETRY_SECONDS)
        for partition in partitions:
            if self._restoring.get(partition) is not asyncio.current_task():
                continue  # revoked (and maybe assigned again) meanwhile
            del self._restoring[partition]
            if partition in records:
                partition_records, self._changelog_ends[partition] = records[partition]
                state = PartitionState.restore(partition, self.config, partition_records)
                how = f"from {len(partition_records):,} changelog records"
            else:
                state = parked[partition][0]
                how = "kept: its changelog is unchanged since its last checkpoint"
            self.states[partition] = state
            log.info("partition %d: restored at offset %d (%s) in %.2f s", partition,
                     state.next_offset, how, time.monotonic() - started)
        if not self._restoring:
            log.info("%s", self.summary())

    async def forget(self, partitions: Iterable[int]) -> None:
        """Revoked partitions: checkpointed (after the events received so far), then
        parked, in case the rebalance gives them back. Their new owner, maybe this
        worker again, restores them from that checkpoint and applies the events after
        it again; events applied here after the checkpoint are not acked. A checkpoint
        in flight finishes first: otherwise its events could be acked (and committed)
        after the new owner read the changelog without its meta record, and they would
        never be applied again."""
        revoked = set(partitions)
        for partition in revoked:
            task = self._restoring.pop(partition, None)
            if task is not None and not any(t is task for t in self._restoring.values()):
                task.cancel()
        await self.apply_inbox()
        async with self._lock:
            await self._checkpoint()
            for partition in revoked:
                state = self.states.pop(partition, None)
                end = self._changelog_ends.get(partition)
                if state is not None and end is not None and not state.dirty:
                    self._parked[partition] = state, end
            self.owned -= revoked
            self._pending = [e for e in self._pending if e.message.partition in self.states]
            self._inbox = [e for e in self._inbox if e.message.partition in self.owned]


def run_worker(config: CarePulseConfig, log_level: str = "info") -> int:
    """Waits for the broker, then runs until SIGINT or SIGTERM (Faust's worker stops the
    app cleanly, after a last checkpoint)."""
    app, worker, metrics = build_app(config)
    throttle_client_logs()
    gc.set_threshold(*GC_THRESHOLDS)
    if not wait_for_broker(config.kafka):
        return 0
    worker.topic_partitions = prepare_topics(config)
    _FaustWorker(app, worker, metrics, loglevel=log_level, quiet=True).execute_from_commandline()
    return 0


class _FaustWorker(faust.Worker):
    """Serves /metrics and watches the group from the process start, before the app
    joins its group: a restarted worker answers the scrape (partitions_owned 0,
    partitions_recovering) while the group rebalances, and the group watchdog runs even
    when no rebalance ever completes (Faust starts an app's tasks only after its first
    assignment)."""

    def __init__(
        self, app: faust.App, worker: LiveWorker, metrics: MetricsServer, **kwargs: Any
    ) -> None:
        self._metrics_server = metrics
        self._live_worker = worker
        self._watchdog = GroupWatchdog(worker.config.kafka, worker.config.kafka.app_id)
        super().__init__(app, **kwargs)

    async def _watch_group(self) -> None:
        """Clears the embedded broker's departed group leader (group_watchdog.py)."""
        while True:
            await asyncio.sleep(WATCHDOG_SECONDS)
            await self._watchdog.check(len(self._live_worker.owned))

    async def on_first_start(self) -> None:
        if self.loglevel not in ("debug", logging.DEBUG):  # --log-level debug shows all
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
            logging.getLogger(GROUP_LOGGER).setLevel(logging.INFO)
        self.add_future(self._watch_group())
        metrics = self._metrics_server
        await metrics.start()
        log.info("metrics on %s://%s:%d/metrics (at most %d series under this "
                 "configuration); the core runs %s", metrics.security.scheme, metrics.host,
                 metrics.port, series_bound(metrics.config), core_runs())
        await super().on_first_start()


def build_app(config: CarePulseConfig) -> tuple[faust.App, LiveWorker, MetricsServer]:
    app = faust.App(config.kafka.app_id, **faust_settings(config))
    worker = LiveWorker(app, config)
    worker.fetch_wait.install(app)
    metrics = MetricsServer(
        worker, config.metrics.host, config.metrics.port, metrics_security(config.metrics)
    )

    @app.agent(worker.source, name="apply-events")
    async def apply_events(stream: Any) -> None:
        async for event in stream.noack().events():
            await worker.receive(event)

    @app.task
    async def ticker() -> None:
        """Every TICK_SECONDS after the last tick ended (a timer would warn that it
        overlaps whenever a checkpoint takes longer than a tick)."""
        while True:
            await asyncio.sleep(TICK_SECONDS)
            await worker.tick()

    source_topic = config.kafka.input_topic

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def on_revoked(app: faust.App, revoked: set[TP], **kwargs: Any) -> None:
        await worker.forget(tp.partition for tp in revoked if tp.topic == source_topic)

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def on_assigned(app: faust.App, assigned: set[TP], **kwargs: Any) -> None:
        worker.assign(tp.partition for tp in assigned if tp.topic == source_topic)

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def on_before_shutdown(app: faust.App, **kwargs: Any) -> None:
        """SIGTERM: the consumer has stopped, the producer not yet: a last checkpoint
        covers every received event, so a restart applies none of them again."""
        await worker.apply_inbox()
        await worker.checkpoint()
        log.info("checkpoint at shutdown: partitions %s at offsets %s", sorted(worker.states),
                 [worker.states[p].next_offset for p in sorted(worker.states)])

    @app.task
    async def log_summary() -> None:
        """A one-line summary at INFO every SUMMARY_SECONDS (the console is quiet else)."""
        while True:
            await asyncio.sleep(SUMMARY_SECONDS)
            log.info("%s", worker.summary())

    del apply_events, ticker, on_revoked, on_assigned, on_before_shutdown
    del log_summary
    return app, worker, metrics
