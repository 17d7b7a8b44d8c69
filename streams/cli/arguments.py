"""Argument types shared by the `carepulse` subcommands: each names the bad value and
what was expected, for argparse's one-line error."""

from __future__ import annotations

import argparse

from streams.config import bootstrap_servers_problem, port_problem


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
