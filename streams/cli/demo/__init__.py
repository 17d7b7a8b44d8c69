"""`carepulse demo`: embedded broker, worker and simulated live traffic, with a live
summary of the worker's /metrics.

This module is the command's options; `run` imports the demo itself (command.py) and its
parts: processes, traffic, webhooks, summary, configuration.
"""

from __future__ import annotations

import argparse

from streams.cli.arguments import positive_rate, tcp_port
from streams.cli.common import Commands, add_command

DEFAULT_BROKER_PORT = 9092
DEFAULT_METRICS_PORT = 9108
DEFAULT_GATEWAY_PORT = 8088
DEFAULT_RATE_PER_SECOND = 50.0
SOURCES = ("simulator", "chatwoot")
"""Where the demo's traffic comes from: simulated events produced to the input topic, or
simulated Chatwoot webhooks posted to the gateway."""


def _event_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of events")
    return int(text)


def add_parser(commands: Commands) -> None:
    add_arguments(add_command(commands, "demo", "embedded broker, worker and simulated live "
                                                "traffic, with a live summary"))


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of `carepulse demo`, shared by the main CLI and `command.main`."""
    parser.add_argument("--port", type=tcp_port, default=DEFAULT_BROKER_PORT, metavar="PORT",
                        help="the embedded broker's port, 1..65535; a free one is chosen if "
                             f"it is taken (default: {DEFAULT_BROKER_PORT})")
    parser.add_argument("--metrics-port", type=tcp_port, default=DEFAULT_METRICS_PORT,
                        metavar="PORT",
                        help="the worker's /metrics port, 1..65535; a free one is chosen if "
                             f"it is taken (default: {DEFAULT_METRICS_PORT})")
    parser.add_argument("--rate", type=positive_rate, default=DEFAULT_RATE_PER_SECOND,
                        metavar="EVENTS_PER_SECOND",
                        help=f"events sent per second (default: {DEFAULT_RATE_PER_SECOND:g})")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the simulated traffic: the same seed, the same "
                             "conversations (default: 1)")
    parser.add_argument("--events", type=_event_count, metavar="N",
                        help="stop sending after N events (webhooks with --source chatwoot; "
                             "default: send until stopped)")
    parser.add_argument("--source", choices=SOURCES, default="simulator",
                        help="simulator: simulated events produced to the input topic; "
                             "chatwoot: simulated Chatwoot webhooks posted to the gateway "
                             "(carepulse ingest), which the translator turns into events "
                             "(default: simulator)")
    parser.add_argument("--gateway-port", type=tcp_port, default=DEFAULT_GATEWAY_PORT,
                        metavar="PORT",
                        help="the gateway's port with --source chatwoot, 1..65535; a free one "
                             f"is chosen if it is taken (default: {DEFAULT_GATEWAY_PORT})")
    return parser


def run(args: argparse.Namespace) -> int:
    from streams.cli.demo.command import run_demo

    return run_demo(args.port, args.metrics_port, args.rate, args.seed, args.events,
                    args.source, args.gateway_port)
