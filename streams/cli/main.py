"""The `carepulse` command line: one parser, a subcommand per module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from streams.cli import alerts, bridge, broker, demo, dlq, ingest, produce, replay, simulate, worker
from streams.cli.common import EXIT_NOTHING_ACCEPTED, NothingAccepted, UsageError
from streams.config import ConfigError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "replay": replay.run, "produce": produce.run, "simulate": simulate.run,
    "broker": broker.run, "worker": worker.run, "demo": demo.run,
    "alerts": alerts.run, "dlq": dlq.run,
    "ingest": ingest.run, "bridge": bridge.run,
}


def version_text() -> str:
    """`carepulse --version`: the package, and the contracts it reads and writes."""
    from importlib import metadata

    from schemas.events import EVENT_CONTRACT_VERSION
    from streams.audit.report import REPORT_SCHEMA
    from streams.kafka.alerts import ALERT_SCHEMA

    try:
        package = metadata.version("carepulse")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        package = "(not installed)"
    return (f"carepulse {package} (event contract {EVENT_CONTRACT_VERSION}; "
            f"report {REPORT_SCHEMA}; alerts {ALERT_SCHEMA})")


class _VersionAction(argparse.Action):
    """`--version`, its text made only when it is asked for (argparse's own version
    action wants the text when the parser is built, for every command)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="carepulse", description="Real-time KPI engine for social customer care.",
        formatter_class=argparse.RawDescriptionHelpFormatter,  # the description as written
    )
    parser.add_argument("--version", action=_VersionAction,
                        help="print the package version and the versions of the event contract, "
                             "the report and the alerts, then exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     help="one of these; `carepulse COMMAND --help` for its "
                                          "options")
    for command in (replay, produce, broker, worker, ingest, bridge, demo, simulate, alerts,
                    dlq):
        command.add_parser(commands)
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
