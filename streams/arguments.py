"""Argument types shared by the `carepulse` subcommands: each names the bad value and
what was expected, for argparse's one-line error."""

from __future__ import annotations

import argparse


def positive_rate(text: str) -> float:
    """Events per second, > 0 and finite."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of events/s")
    return value
