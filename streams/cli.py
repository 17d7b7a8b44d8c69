"""The `carepulse` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import IO

from schemas.events import EVENT_CONTRACT_VERSION
from streams.arguments import bootstrap_servers, positive_rate, tcp_port
from streams.broker import BrokerError, port_in_use, run_foreground
from streams.config import CarePulseConfig, ConfigError, load_config, with_environment
from streams.core.report import REPORT_SCHEMA, AuditRun
from streams.core.timeutil import parse_iso_us
from streams.demo import add_arguments as add_demo_arguments
from streams.demo import run_demo_args
from streams.kafka_settings import client_security, kafka_settings
from streams.live.alerts import ALERT_SCHEMA
from streams.render import render_table
from streams.replay import reject_line, replay_file
from streams.simulate import write_file

MAX_INVALID_LINES_SHOWN = 20
EXIT_NOTHING_ACCEPTED = 3
"""`carepulse replay`'s exit code when no record was accepted (docs/cli.md, "Exit codes")."""


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


def version_text() -> str:
    """`carepulse --version`: the package, and the contracts it reads and writes."""
    try:
        package = metadata.version("carepulse")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        package = "(not installed)"
    return (f"carepulse {package} (event contract {EVENT_CONTRACT_VERSION}; "
            f"report {REPORT_SCHEMA}; alerts {ALERT_SCHEMA})")


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:])


CONFIG_HELP = ('TOML configuration file (default: none: the built-in defaults, '
               'docs/configuration.md)')
EXAMPLE_INSTANT = "2026-11-02T00:00:00Z"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carepulse", description="Real-time KPI engine for social customer care.",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # --version on one line
    )
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the package version and the versions of the event contract, "
                             "the report and the alerts, then exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     help="one of these; `carepulse COMMAND --help` for its "
                                          "options")

    replay = _command(commands, "replay", "audit report of an event log (a file or a topic)")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path, metavar="FILE",
                        help="JSONL file of events, one per line, in arrival order")
    source.add_argument("--topic", metavar="NAME",
                        help="Kafka topic to read, every partition from its beginning to its "
                             "end as seen at start")
    replay.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers for --topic (default: CAREPULSE_BROKER, else "
                             "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    replay.add_argument("--from", dest="from_us", type=_instant_us, metavar="TIMESTAMP",
                        help="range start, inclusive: RFC 3339 with a UTC offset, e.g. "
                             f"{EXAMPLE_INSTANT} or 2026-11-02T01:00:00+01:00 (default: the "
                             "earliest event time)")
    replay.add_argument("--to", dest="to_us", type=_instant_us, metavar="TIMESTAMP",
                        help="range end, exclusive: RFC 3339 with a UTC offset, like --from "
                             "(default: the latest event time + 1 s)")
    replay.add_argument("--config", type=Path, metavar="FILE", help=CONFIG_HELP)
    replay.add_argument("--format", choices=("json", "table"), default="json",
                        help="json: the report as indented JSON with sorted keys; table: a "
                             "readable summary (default: json)")
    replay.add_argument("--out", type=Path, metavar="FILE",
                        help="write the report to FILE (default: stdout)")
    replay.add_argument("--rejects", type=Path, metavar="FILE",
                        help="write each rejected record to FILE, one JSON object per line: "
                             "line (or partition and offset), reason, field, raw (default: "
                             "not written; they are counted in the report)")
    replay.add_argument("--allow-empty", action="store_true",
                        help="write the empty report and exit 0 when no event is accepted "
                             "(default: no report, one line on stderr, exit "
                             f"{EXIT_NOTHING_ACCEPTED})")

    produce = _command(commands, "produce", "publish a JSONL file of events to Kafka, keyed "
                                            "by conversation_id")
    produce.add_argument("--input", type=Path, required=True, metavar="FILE",
                         help="JSONL file of events (required)")
    produce.add_argument("--topic", metavar="NAME",
                         help="topic (default: CAREPULSE_INPUT_TOPIC, else kafka.input_topic "
                              "of --config, else care.events)")
    produce.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                         help="bootstrap servers (default: CAREPULSE_BROKER, else "
                              "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    produce.add_argument("--rate", type=positive_rate, metavar="EVENTS_PER_SECOND",
                         help="pace to this many events/s (default: as fast as possible)")
    checking = produce.add_mutually_exclusive_group()
    checking.add_argument("--raw", action="store_true",
                          help="send every non-blank line unvalidated, to exercise the DLQ "
                               "(default: validate every line first and send nothing if one "
                               "is invalid)")
    checking.add_argument("--skip-invalid", action="store_true",
                          help="send the valid lines and skip the invalid ones, with a "
                               "summary on stderr (default: send nothing if one line is "
                               "invalid)")
    produce.add_argument("--rejects", type=Path, metavar="FILE",
                         help="write each invalid line to FILE, one JSON object per line: "
                              "line, reason, field, detail, raw, as replay --rejects does "
                              "(default: not written; not with --raw)")
    produce.add_argument("--live", action="store_true",
                         help="stamp each valid event's occurred_at with the wall clock as "
                              "it is sent (UTC), so simulated traffic happens now; with "
                              "--rate, at a live pace (default: every line as it is)")
    produce.add_argument("--partitions", type=int, metavar="N",
                         help="partitions of the topic if it is created (default: "
                              "kafka.partitions of --config, else 4)")
    produce.add_argument("--config", type=Path, metavar="FILE",
                         help="TOML configuration file: its [kafka] section (broker, topic, "
                              "partitions, SASL and TLS settings) (default: none)")

    broker = _command(commands, "broker", "run the embedded Kafka-compatible broker (Tansu) "
                                          "on 127.0.0.1 until Ctrl-C")
    broker.add_argument("--port", type=tcp_port, default=9092,
                        help="TCP port to listen on, 1..65535 (default: 9092)")

    worker = _command(commands, "worker", "run the live Faust worker (serves /metrics)")
    worker.add_argument("--config", type=Path, metavar="FILE", help=CONFIG_HELP)
    worker.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers host:port[,host:port] (default: "
                             "CAREPULSE_BROKER, else kafka.bootstrap_servers of --config, "
                             "else 127.0.0.1:9092)")
    worker.add_argument("--log-level", default="info",
                        choices=("debug", "info", "warning", "error"),
                        help="the least severe log records shown (default: info)")

    demo = _command(commands, "demo", "embedded broker, worker and simulated live traffic, "
                                      "with a live summary")
    add_demo_arguments(demo)

    simulate = _command(commands, "simulate", "write synthetic care traffic as JSONL")
    simulate.add_argument("--events", type=int, required=True, metavar="N",
                          help="number of lines to write (required)")
    simulate.add_argument("--seed", type=int, default=1,
                          help="random seed: the same seed and options give the same bytes "
                               "(default: 1)")
    simulate.add_argument("--out", type=Path, required=True, metavar="FILE",
                          help="file to write (required; replaced if it exists)")
    simulate.add_argument("--bad-lines", type=_fraction, default=0.0, metavar="FRACTION",
                          help="fraction of malformed lines, 0..1, e.g. 0.01 for 1%% "
                               "(default: 0)")
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
        repeated = replay_topic(args.broker or kafka.bootstrap_servers, args.topic, run,
                                rejects, security=client_security(kafka))
    except TopicReadError as error:
        raise UsageError(str(error)) from error
    if repeated:
        print(f"carepulse replay: skipped {repeated} repeated dead letter"
              f"{'s' * (repeated > 1)} (same source topic, partition and offset as an "
              "earlier one)", file=sys.stderr)


def _check_input_file(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file")


def _produce(args: argparse.Namespace) -> int:
    from streams.produce import InvalidLine, ProduceError, invalid_lines, produce_file

    _check_input_file(args.input)
    if args.raw and args.rejects is not None:
        raise UsageError("--rejects lists invalid lines: --raw validates none")
    settings = kafka_settings(load_config(args.config))
    partitions = settings.partitions if args.partitions is None else args.partitions
    if partitions < 1:
        raise UsageError("--partitions must be >= 1")
    topic = args.topic or settings.input_topic
    rejects: IO[str] | None = None
    rejected: Counter[str] = Counter()

    def reject(line: InvalidLine) -> None:
        rejected[line.rejection.reason] += 1
        if rejects is not None:
            rejects.write(reject_line(line.line_number, line.rejection, line.raw) + "\n")

    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        if not args.raw and not args.skip_invalid:
            count = 0
            for count, line in enumerate(invalid_lines(args.input), 1):
                reject(line)
                if count <= MAX_INVALID_LINES_SHOWN:
                    print(line.describe(str(args.input)), file=sys.stderr)
            if count > MAX_INVALID_LINES_SHOWN:
                print(f"... and {count - MAX_INVALID_LINES_SHOWN:,} more", file=sys.stderr)
            if count:
                listed = f"; listed in {args.rejects}" if args.rejects is not None else ""
                raise UsageError(f"{args.input}: {count:,} invalid line{'s' * (count > 1)}, "
                                 f"nothing sent{listed} (--skip-invalid sends the valid "
                                 "ones, --raw sends every line unvalidated)")
        stamp = _live_stamp() if args.live else None
        try:
            sent = produce_file(args.input, args.broker or settings.bootstrap_servers, topic,
                                args.rate, partitions, client_security(settings),
                                on_invalid=reject if args.skip_invalid else None, stamp=stamp)
        except ProduceError as error:
            raise UsageError(str(error)) from error
    finally:
        if rejects is not None:
            rejects.close()
    if args.skip_invalid:
        total = sum(rejected.values())
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in
                            sorted(rejected.items(), key=lambda item: (-item[1], item[0])))
        listed = f"; listed in {args.rejects}" if args.rejects is not None and total else ""
        print(f"read {sent + total:,} lines: sent {sent:,} events to {topic}, rejected "
              f"{total:,}{f' ({reasons})' if reasons else ''}{listed}", file=sys.stderr)
    else:
        print(f"sent {sent:,} events to {topic}", file=sys.stderr)
    return 0


def _live_stamp() -> Callable[[bytes], bytes]:
    """Stamps a line's valid `occurred_at` with the wall clock now (never going back),
    as the demo does; a malformed line stays as malformed as it was."""
    from streams.demo import Restamper, WallClock

    clock, restamp = WallClock(), Restamper()
    return lambda line: restamp(line, clock.now_us())


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
    args = build_parser().parse_args(argv)
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
