"""`carepulse simulate`: synthetic care traffic as JSONL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from streams.cli.common import Commands, UsageError, add_command


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number in [0, 1]")
    return value


def add_parser(commands: Commands) -> None:
    simulate = add_command(commands, "simulate", "write synthetic care traffic as JSONL")
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


def run(args: argparse.Namespace) -> int:
    from streams.testing.simulate import write_file

    if args.events < 0:
        raise UsageError("--events must be >= 0")
    written = write_file(args.out, args.events, args.seed, args.bad_lines)
    print(f"wrote {written:,} lines to {args.out}", file=sys.stderr)
    return 0
