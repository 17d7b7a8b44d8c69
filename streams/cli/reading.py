"""What the readers of the side topics (`carepulse alerts`, `carepulse dlq`) share: their
options, the read itself, and the escaping of text that came from a record."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from streams.cli.arguments import bootstrap_servers
from streams.cli.common import CONFIG_HELP, UsageError
from streams.config import CarePulseConfig, KafkaConfig

if TYPE_CHECKING:
    from streams.kafka.reader import Record

MAX_SHOWN_CHARS = 80
"""The longest text taken from a record's headers that a line shows."""


def add_reader_options(
    parser: argparse.ArgumentParser, topic_key: str, topic_variable: str, topic_default: str
) -> None:
    parser.add_argument("--follow", action="store_true",
                        help="after the records present at start, keep printing new ones "
                             "until Ctrl-C or SIGTERM (default: stop at the end as seen at "
                             "start)")
    parser.add_argument("--topic", metavar="NAME",
                        help=f"topic to read (default: {topic_variable}, else "
                             f"kafka.{topic_key} of --config, else {topic_default})")
    parser.add_argument("--broker", metavar="HOST:PORT", type=bootstrap_servers,
                        help="bootstrap servers (default: CAREPULSE_BROKER, else "
                             "kafka.bootstrap_servers of --config, else 127.0.0.1:9092)")
    parser.add_argument("--config", type=Path, metavar="FILE", help=CONFIG_HELP)


def read_topic(
    args: argparse.Namespace, config: CarePulseConfig, topic_of: Callable[[KafkaConfig], str],
    on_record: Callable[[Record], None],
) -> None:
    """Reads the topic the options name (`topic_of` gives the configured one). A broker or
    topic that cannot be read is a UsageError."""
    from streams.kafka.reader import TopicUnavailable, read_side_topic
    from streams.kafka.settings import client_security, kafka_settings

    kafka = kafka_settings(config, os.environ)
    topic = args.topic or topic_of(kafka)
    try:
        read_side_topic(args.broker or kafka.bootstrap_servers, topic, on_record,
                        follow=args.follow, security=client_security(kafka))
    except TopicUnavailable as error:
        raise UsageError(str(error)) from error


def safe_text(text: str, max_chars: int = MAX_SHOWN_CHARS) -> str:
    """`text` for a terminal: control characters escaped (`\\n`, `\\x1b`, ...), so a
    record cannot move the cursor or forge a line; cut to `max_chars` with `...`."""
    escaped = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
    return escaped if len(escaped) <= max_chars else escaped[:max_chars - 3] + "..."
