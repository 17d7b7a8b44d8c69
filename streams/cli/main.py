"""The `carepulse` command line: one parser, a subcommand per module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from importlib import metadata

from schemas.events import EVENT_CONTRACT_VERSION
from streams.audit.report import REPORT_SCHEMA
from streams.cli import bridge, broker, ingest, produce, replay, simulate, worker
from streams.cli.common import EXIT_NOTHING_ACCEPTED, NothingAccepted, UsageError, add_command
from streams.cli.demo.command import add_arguments as add_demo_arguments
from streams.cli.demo.command import run_demo_args
from streams.config import ConfigError
from streams.kafka.alerts import ALERT_SCHEMA

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "replay": replay.run, "produce": produce.run, "simulate": simulate.run,
    "broker": broker.run, "worker": worker.run, "demo": run_demo_args,
    "ingest": ingest.run, "bridge": bridge.run,
}


def version_text() -> str:
    """`carepulse --version`: the package, and the contracts it reads and writes."""
    try:
        package = metadata.version("carepulse")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        package = "(not installed)"
    return (f"carepulse {package} (event contract {EVENT_CONTRACT_VERSION}; "
            f"report {REPORT_SCHEMA}; alerts {ALERT_SCHEMA})")


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
    replay.add_parser(commands)
    produce.add_parser(commands)
    broker.add_parser(commands)
    worker.add_parser(commands)
    ingest.add_parser(commands)
    bridge.add_parser(commands)
    add_demo_arguments(add_command(commands, "demo", "embedded broker, worker and simulated "
                                                     "live traffic, with a live summary"))
    simulate.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
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
