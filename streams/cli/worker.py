"""`carepulse worker`: the live Faust worker, serving /metrics."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from streams.cli.arguments import bootstrap_servers
from streams.cli.common import CONFIG_HELP, Commands, add_command, check_listen_address
from streams.config import CarePulseConfig, load_config, with_environment


def add_parser(commands: Commands) -> None:
    worker = add_command(commands, "worker", "run the live Faust worker (serves /metrics)")
    worker.add_argument("--config", type=Path, metavar="FILE", help=CONFIG_HELP)
    worker.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers host:port[,host:port] (default: "
                             "CAREPULSE_BROKER, else kafka.bootstrap_servers of --config, "
                             "else 127.0.0.1:9092)")
    worker.add_argument("--log-level", default="info",
                        choices=("debug", "info", "warning", "error"),
                        help="the least severe log records shown (default: info)")


def run(args: argparse.Namespace) -> int:
    config = with_environment(load_config(args.config), os.environ)
    if args.broker:
        config = with_environment(config, {"CAREPULSE_BROKER": args.broker})
    _check_metrics_address(config)
    from streams.live.worker import run_worker  # Faust takes a second to import

    return run_worker(config, args.log_level)


def _check_metrics_address(config: CarePulseConfig) -> None:
    """Refuses, before anything connects, a /metrics address the worker could not listen
    on (it would crash a few seconds later, once Faust is up, with a traceback)."""
    check_listen_address("/metrics", config.metrics.host, config.metrics.port, "metrics")
