"""`carepulse broker`: the embedded Kafka-compatible broker in the foreground."""

from __future__ import annotations

import argparse

from streams.cli.arguments import tcp_port
from streams.cli.common import Commands, add_command


def add_parser(commands: Commands) -> None:
    broker = add_command(commands, "broker", "run the embedded Kafka-compatible broker (Tansu) "
                                          "on 127.0.0.1 until Ctrl-C")
    broker.add_argument("--port", type=tcp_port, default=9092,
                        help="TCP port to listen on, 1..65535 (default: 9092)")


def run(args: argparse.Namespace) -> int:
    from streams.kafka.broker import run_foreground

    return run_foreground(args.port)
