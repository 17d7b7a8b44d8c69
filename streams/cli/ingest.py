"""`carepulse ingest`: the HTTP gateway (docs/operations.md, "The ingest gateway"); with
the translator as its child unless `--no-translator`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from streams.cli.arguments import bootstrap_servers
from streams.cli.common import CONFIG_HELP, Commands, add_command, check_listen_address
from streams.config import CarePulseConfig, load_config, with_environment

LOG_FORMAT = "[%(asctime)s] [%(levelname)s] %(name)s: %(message)s"
LOG_LEVELS = ("debug", "info", "warning", "error")


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help=CONFIG_HELP)
    parser.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers host:port[,host:port] (default: "
                             "CAREPULSE_BROKER, else kafka.bootstrap_servers of --config, "
                             "else 127.0.0.1:9092)")
    parser.add_argument("--log-level", default="info", choices=LOG_LEVELS,
                        help="the least severe log records shown (default: info)")


def configuration(args: argparse.Namespace) -> CarePulseConfig:
    config = with_environment(load_config(args.config), os.environ)
    if args.broker:
        config = with_environment(config, {"CAREPULSE_BROKER": args.broker})
    return config


def add_parser(commands: Commands) -> None:
    ingest = add_command(commands, "ingest", "run the HTTP gateway: POST /v1/events and help-desk "
                                             "webhooks to Kafka (with the translator)")
    add_config_arguments(ingest)
    ingest.add_argument("--no-translator", action="store_true",
                        help="run the gateway alone; run `carepulse bridge run` apart "
                             "(default: the translator runs as a child of the gateway)")


def translator_argv(args: argparse.Namespace, config: CarePulseConfig) -> list[str]:
    argv = [sys.executable, "-m", "streams.cli", "bridge", "run",
            "--broker", config.kafka.bootstrap_servers, "--log-level", args.log_level]
    if args.config is not None:
        argv += ["--config", str(args.config)]
    return argv


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from streams.bridge.platforms import PLATFORMS
    from streams.config.bridges import bridge_settings

    config = configuration(args)
    check_listen_address("the gateway", config.ingest.host, config.ingest.port, "ingest")
    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT)
    for name in ("kafka", "aiokafka"):  # the gateway says in one line what they retry
        logging.getLogger(name).setLevel(logging.CRITICAL)
    from streams.ingest.server import serve

    child = None
    if not args.no_translator:
        bridge_settings(config, PLATFORMS, os.environ)  # its errors now, not in a restart loop
        child = translator_argv(args, config)
    return asyncio.run(serve(config, PLATFORMS, child))
