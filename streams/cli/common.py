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


def repeated_dead_letters_note(repeated: int) -> str:
    """What a reader of a DLQ says about the later copies of dead letters it skipped."""
    return (f"skipped {repeated:,} repeated dead letter{'s' * (repeated > 1)} (same source "
            "topic, partition and offset as an earlier one)")
