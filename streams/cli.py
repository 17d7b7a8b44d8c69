"""The `carepulse` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO

from streams.broker import run_foreground
from streams.config import ConfigError, load_config
from streams.core.report import AuditRun
from streams.core.timeutil import parse_iso_us
from streams.render import render_table
from streams.replay import replay_file
from streams.simulate import write_file


class UsageError(Exception):
    """A command line that cannot be carried out; the message says why."""


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
    replay.add_argument("--input", type=Path, required=True, help="JSONL file of events")
    replay.add_argument("--from", dest="from_us", type=_instant_us, metavar="TIMESTAMP",
                        help="range start (default: first event time)")
    replay.add_argument("--to", dest="to_us", type=_instant_us, metavar="TIMESTAMP",
                        help="range end, exclusive (default: last event time + 1 s)")
    replay.add_argument("--config", type=Path, help="TOML configuration file")
    replay.add_argument("--format", choices=("json", "table"), default="json")
    replay.add_argument("--out", type=Path, help="write the report here instead of stdout")
    replay.add_argument("--rejects", type=Path,
                        help="write each rejected line here (JSONL: line, reason, field, raw)")

    broker = commands.add_parser(
        "broker", help="run the embedded Kafka-compatible broker (Tansu) until Ctrl-C"
    )
    broker.add_argument("--port", type=int, default=9092)

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
    if not args.input.exists():
        raise UsageError(f"{args.input}: no such file")
    if not args.input.is_file():
        raise UsageError(f"{args.input}: not a regular file")
    run = AuditRun(load_config(args.config), args.from_us, args.to_us)
    rejects: IO[str] | None = None
    try:
        if args.rejects is not None:
            rejects = args.rejects.open("w", encoding="utf-8")
        replay_file(args.input, run, rejects, show_progress=sys.stderr.isatty())
    finally:
        if rejects is not None:
            rejects.close()
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


def _simulate(args: argparse.Namespace) -> int:
    if args.events < 0:
        raise UsageError("--events must be >= 0")
    written = write_file(args.out, args.events, args.seed, args.bad_lines)
    print(f"wrote {written:,} lines to {args.out}", file=sys.stderr)
    return 0


def _broker(args: argparse.Namespace) -> int:
    return run_foreground(args.port)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"replay": _replay, "simulate": _simulate, "broker": _broker}
    try:
        return handlers[args.command](args)
    except (ConfigError, UsageError) as error:
        print(f"carepulse {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"carepulse {args.command}: error: {where}{error.strerror}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
