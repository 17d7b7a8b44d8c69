"""What the `carepulse` commands share: their errors, option texts and checks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

EXIT_NOTHING_ACCEPTED = 3
"""`carepulse replay`'s exit code when no record was accepted (README, CLI reference)."""
CONFIG_HELP = ('TOML configuration file (default: none: the built-in defaults, README '
               '"Configuration")')
EXAMPLE_INSTANT = "2026-11-02T00:00:00Z"
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """A command line that cannot be carried out; the message says why."""


class NothingAccepted(Exception):
    """A replay whose input held no acceptable event: there is nothing to report."""


def add_command(commands: Commands, name: str, summary: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:])


def check_input_file(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path}: not a regular file")


def check_listen_address(what: str, host: str, port: int, section: str) -> None:
    """Refuses, before anything connects, an address a server of ours could not listen on
    (`section`: the configuration section of its host and port)."""
    from streams.kafka.broker import BrokerError, port_in_use

    variables = f"CAREPULSE_{section.upper()}_HOST and CAREPULSE_{section.upper()}_PORT"
    try:
        taken = port_in_use(host, port)
    except BrokerError as error:
        raise UsageError(f"{what}: {error} (set by [{section}] host and port, or "
                         f"{variables})") from error
    if taken:
        raise UsageError(f"{what} port {port} on {host} is already in use: choose another "
                         f"with [{section}] port or CAREPULSE_{section.upper()}_PORT")
