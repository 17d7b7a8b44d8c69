"""The `carepulse` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO

from streams.arguments import bootstrap_servers, positive_rate, tcp_port
from streams.broker import BrokerError, port_in_use, run_foreground
from streams.config import CarePulseConfig, ConfigError, load_config, with_environment
from streams.core.report import AuditRun
from streams.core.timeutil import parse_iso_us
from streams.demo import add_arguments as add_demo_arguments
from streams.demo import run_demo_args
from streams.kafka_settings import client_security, kafka_settings
from streams.render import render_table
from streams.replay import replay_file
from streams.simulate import write_file

MAX_INVALID_LINES_SHOWN = 20
EXIT_NOTHING_ACCEPTED = 3
"""`carepulse replay`'s exit code when no record was accepted (README, CLI reference)."""


class UsageError(Exception):
    """A command line that cannot be carried out; the message says why."""


class NothingAccepted(Exception):
    """A replay whose input held no acceptable event: there is nothing to report."""


def _instant_us(text: str) -> int:
    try:
        return parse_iso_us(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an RFC 3339 timestamp with UTC offset"
        ) from error


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number in [0, 1]")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carepulse", description="Real-time KPI engine for social customer care."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    replay = commands.add_parser("replay", help="audit report of an event log")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path, help="JSONL file of events")
    source.add_argument("--topic", help="Kafka topic to read from its beginning to its end")
    replay.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers for --topic (default: CAREPULSE_BROKER, else "
                             "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    replay.add_argument("--from", dest="from_us", type=_instant_us, metavar="TIMESTAMP",
                        help="range start (default: first event time)")
    replay.add_argument("--to", dest="to_us", type=_instant_us, metavar="TIMESTAMP",
                        help="range end, exclusive (default: last event time + 1 s)")
    replay.add_argument("--config", type=Path, help="TOML configuration file")
    replay.add_argument("--format", choices=("json", "table"), default="json")
    replay.add_argument("--out", type=Path, help="write the report here instead of stdout")
    replay.add_argument("--rejects", type=Path,
                        help="write each rejected record here (JSONL: line, or partition "
                             "and offset; reason, field, raw)")
    replay.add_argument("--allow-empty", action="store_true",
                        help="write the (empty) report and exit 0 even when no event is "
                             f"accepted (default: say so on stderr, exit {EXIT_NOTHING_ACCEPTED})")

    produce = commands.add_parser("produce", help="publish a JSONL file of events to Kafka")
    produce.add_argument("--input", type=Path, required=True, help="JSONL file of events")
    produce.add_argument("--topic", help="topic (default: CAREPULSE_INPUT_TOPIC, else "
                         "kafka.input_topic of --config, else care.events)")
    produce.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                         help="bootstrap servers (default: CAREPULSE_BROKER, else "
                              "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    produce.add_argument("--rate", type=positive_rate, metavar="EVENTS_PER_SECOND",
                         help="pace to this many events/s (default: as fast as possible)")
    produce.add_argument("--raw", action="store_true",
                         help="send every non-blank line unvalidated (to exercise the DLQ)")
    produce.add_argument("--partitions", type=int,
                         help="partitions of the topic if it is created (default 4)")
    produce.add_argument("--config", type=Path,
                         help="TOML configuration file: its [kafka] section (broker, topic, "
                              "partitions, SASL and TLS settings)")

    broker = commands.add_parser(
        "broker", help="run the embedded Kafka-compatible broker (Tansu) until Ctrl-C"
    )
    broker.add_argument("--port", type=tcp_port, default=9092,
                        help="port to listen on, on 127.0.0.1 (default 9092)")

    worker = commands.add_parser("worker", help="run the live Faust worker")
    worker.add_argument("--config", type=Path, help="TOML configuration file")
    worker.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers host:port[,host:port] (default: "
                             "CAREPULSE_BROKER, else kafka.bootstrap_servers of --config, "
                             "else 127.0.0.1:9092)")
    worker.add_argument("--log-level", default="info",
                        choices=("debug", "info", "warning", "error"))

    demo = commands.add_parser(
        "demo", help="embedded broker, worker and simulated live traffic, with a live summary"
    )
    add_demo_arguments(demo)

    simulate = commands.add_parser("simulate", help="write synthetic care traffic as JSONL")
    simulate.add_argument("--events", type=int, required=True, help="number of lines")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--out", type=Path, required=True)
    simulate.add_argument("--bad-lines", type=_fraction, default=0.0,
                          help="fraction of malformed lines, 0..1")
    return parser


def _replay(args: argparse.Namespace) -> int:
    if args.from_us is not None and args.to_us is not None and args.to_us <= args.from_us:
        raise UsageError("--to must be after --from")
    if args.input is not None:
        _check_input_file(args.input)
    config = load_config(args.config)
    run = AuditRun(config, args.from_us, args.to_us)
    rejects: IO[str] | None = None
    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        if args.topic is not None:
            _replay_topic(args, config, run, rejects)
        else:
            replay_file(args.input, run, rejects, show_progress=sys.stderr.isatty())
    finally:
        if rejects is not None:
            rejects.close()
    if run.engine.accepted == 0 and not args.allow_empty:
        source = f"topic {args.topic!r}" if args.topic is not None else str(args.input)
        unit = "record" if args.topic is not None else "line"
        raise NothingAccepted(
            f"{source}: {_nothing_accepted(run, unit, args.rejects is not None)}"
        )
    report = run.report()
    text = (
        json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if args.format == "json" else render_table(report)
    )
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


def _nothing_accepted(run: AuditRun, unit: str, rejects_written: bool) -> str:
    """Why there is no report: what was read and rejected, and the most common reason."""
    read, rejected = run.read, sum(run.rejected.values())
    message = f"no event accepted: {read:,} {unit}{'s' * (read != 1)} read"
    if rejected:
        reason, count = max(run.rejected.items(), key=lambda item: item[1])
        message += f", {rejected:,} rejected, most often {reason} ({count:,})"
    message += "; nothing to report (--allow-empty writes an empty report"
    if rejected and not rejects_written:
        message += "; --rejects FILE lists the rejected ones"
    return message + ")"


def _replay_topic(
    args: argparse.Namespace, config: CarePulseConfig, run: AuditRun, rejects: IO[str] | None
) -> None:
    from streams.topic_replay import TopicReadError, replay_topic  # Kafka clients: on demand

    kafka = kafka_settings(config)
    try:
        replay_topic(args.broker or kafka.bootstrap_servers, args.topic, run, rejects,
                     security=client_security(kafka))
    except TopicReadError as error:
        raise UsageError(str(error)) from error


def _check_input_file(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file")


def _produce(args: argparse.Namespace) -> int:
    from streams.produce import ProduceError, invalid_lines, produce_file

    _check_input_file(args.input)
    settings = kafka_settings(load_config(args.config))
    partitions = settings.partitions if args.partitions is None else args.partitions
    if partitions < 1:
        raise UsageError("--partitions must be >= 1")
    topic = args.topic or settings.input_topic
    if not args.raw:
        count = 0
        for count, line in enumerate(invalid_lines(args.input), 1):
            if count <= MAX_INVALID_LINES_SHOWN:
                print(line.describe(str(args.input)), file=sys.stderr)
        if count > MAX_INVALID_LINES_SHOWN:
            print(f"... and {count - MAX_INVALID_LINES_SHOWN} more", file=sys.stderr)
        if count:
            raise UsageError(f"{args.input}: {count} invalid line{'s' * (count > 1)}, "
                             "nothing sent (--raw sends lines unvalidated)")
    try:
        sent = produce_file(args.input, args.broker or settings.bootstrap_servers, topic,
                            args.rate, partitions, client_security(settings))
    except ProduceError as error:
        raise UsageError(str(error)) from error
    print(f"sent {sent} events to {topic}", file=sys.stderr)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    if args.events < 0:
        raise UsageError("--events must be >= 0")
    written = write_file(args.out, args.events, args.seed, args.bad_lines)
    print(f"wrote {written:,} lines to {args.out}", file=sys.stderr)
    return 0


def _broker(args: argparse.Namespace) -> int:
    return run_foreground(args.port)


def _worker(args: argparse.Namespace) -> int:
    config = with_environment(load_config(args.config), os.environ)
    if args.broker:
        config = with_environment(config, {"CAREPULSE_BROKER": args.broker})
    _check_metrics_address(config)
    from streams.live.worker import run_worker  # Faust takes a second to import

    return run_worker(config, args.log_level)


def _check_metrics_address(config: CarePulseConfig) -> None:
    """Refuses, before anything connects, a /metrics address the worker could not listen
    on (it would crash a few seconds later, once Faust is up, with a traceback)."""
    host, port = config.metrics.host, config.metrics.port
    setting = "[metrics] host and port, or CAREPULSE_METRICS_HOST and CAREPULSE_METRICS_PORT"
    try:
        taken = port_in_use(host, port)
    except BrokerError as error:
        raise UsageError(f"/metrics: {error} (set by {setting})") from error
    if taken:
        raise UsageError(f"/metrics port {port} on {host} is already in use: choose another "
                         "with [metrics] port or CAREPULSE_METRICS_PORT")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"replay": _replay, "produce": _produce, "simulate": _simulate,
                "broker": _broker, "worker": _worker, "demo": run_demo_args}
    try:
        return handlers[args.command](args)
    except (ConfigError, UsageError) as error:
        print(f"carepulse {args.command}: error: {error}", file=sys.stderr)
        return 2
    except NothingAccepted as error:
        print(f"carepulse {args.command}: {error}", file=sys.stderr)
        return EXIT_NOTHING_ACCEPTED
    except BrokenPipeError:
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"carepulse {args.command}: error: {where}{error.strerror}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
