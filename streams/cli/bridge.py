"""`carepulse bridge run` (the translator alone) and `carepulse bridge replay` (the
mapping applied again to a raw topic's history)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime

from streams.cli.common import Commands, UsageError, add_command
from streams.cli.ingest import add_config_arguments, configuration


def _instant_ms(text: str) -> int:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 instant with its offset (e.g. 2026-11-02T00:00:00Z)")
    return int(instant.timestamp() * 1000)


def add_parser(commands: Commands) -> None:
    bridge = add_command(commands, "bridge", "translate help-desk webhooks from their raw "
                                             "topics into contract events")
    actions = bridge.add_subparsers(dest="action", required=True, metavar="ACTION",
                                    help="run: the translator; replay: the mapping applied "
                                         "again to a raw topic's history")
    run = actions.add_parser("run", help="run the translator (a Faust agent) until SIGTERM",
                             description="Run the translator: raw topics to the input topic.")
    add_config_arguments(run)
    replay = actions.add_parser(
        "replay", help="apply the mapping again to a raw topic's history",
        description="Apply the mapping again to the raw topic's history, from its beginning "
                    "or --since, to the input topic or --topic.")
    add_config_arguments(replay)
    replay.add_argument("--platform", default="chatwoot", metavar="NAME",
                        help="the help desk whose raw topic is read (default: chatwoot)")
    replay.add_argument("--since", type=_instant_ms, metavar="INSTANT",
                        help="the first delivery received at or after this ISO 8601 instant "
                             "(default: the topic's beginning)")
    replay.add_argument("--topic", metavar="NAME",
                        help="write the events to this topic (default: the input topic)")


def run(args: argparse.Namespace) -> int:
    from streams.bridge.platforms import PLATFORMS, raw_topic
    from streams.config.bridges import bridge_settings

    config = configuration(args)
    if args.action == "run":
        from streams.live.translator import run_translator

        settings = bridge_settings(config, PLATFORMS, os.environ)
        return run_translator(config, PLATFORMS, settings, args.log_level)
    platform = PLATFORMS.get(args.platform)
    if platform is None:
        known = ", ".join(sorted(PLATFORMS)) or "none"
        raise UsageError(f"--platform {args.platform}: no such help desk (registered: {known})")
    from streams.ingest.replay import ReplayTarget, replay_raw
    from streams.kafka.reader import TopicUnavailable
    from streams.kafka.settings import client_security

    kafka = config.kafka
    target = ReplayTarget(kafka.bootstrap_servers, raw_topic(config.ingest.raw_topic_prefix,
                                                             platform),
                          args.topic or kafka.input_topic, kafka.partitions, kafka.dlq_topic,
                          client_security(kafka))
    settings = bridge_settings(config, [platform.name], os.environ)[platform.name]
    try:
        counts = replay_raw(target, platform, settings, args.since)
    except TopicUnavailable as error:  # e.g. no delivery was ever stored
        raise UsageError(str(error)) from error
    print(f"carepulse bridge replay: {counts['deliveries']:,} deliveries of {target.raw_topic} "
          f"-> {counts['events']:,} events on {target.events_topic}, {counts['ignored']:,} "
          f"ignored, {counts['dead_lettered']:,} to {target.dlq_topic}", file=sys.stderr)
    return 0
