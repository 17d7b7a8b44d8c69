"""Argument types shared by the `carepulse` subcommands: each names the bad value and
what was expected, for argparse's one-line error."""

from __future__ import annotations

import argparse

from streams.config import bootstrap_servers_problem, port_problem
from streams.kpi.timeutil import parse_iso_us


def positive_rate(text: str) -> float:
    """Events per second, > 0 and finite."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of events/s")
    return value


def tcp_port(text: str) -> int:
    """A TCP port, 1..65535."""
    if not (text.isascii() and text.isdigit()) or port_problem(int(text)) is not None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1..65535)")
    return int(text)


def bootstrap_servers(text: str) -> str:
    """Kafka bootstrap servers, host:port[,host:port], each port 1..65535."""
    problem = bootstrap_servers_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def instant_us(text: str) -> int:
    """An RFC 3339 timestamp with a UTC offset, as microseconds since the epoch."""
    try:
        return parse_iso_us(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an RFC 3339 timestamp with UTC offset"
        ) from error
