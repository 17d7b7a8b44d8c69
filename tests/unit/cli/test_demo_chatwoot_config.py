"""`carepulse demo --source chatwoot`: its configuration names every brand and agent of
the simulated Chatwoot traffic, so the wall shows them under their own names."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson

from streams.bridge.chatwoot import translate
from streams.cli.demo.configuration import write_demo_config
from streams.config import load_config
from streams.testing.chatwoot_traffic import endless_deliveries


def test_every_brand_and_agent_of_the_chatwoot_traffic_is_allowlisted(tmp_path: Path) -> None:
    config = load_config(write_demo_config(tmp_path / "carepulse.toml", "chatwoot"))
    settings = config.chatwoot.bridge_settings({"CAREPULSE_CHATWOOT_CUSTOMER_KEY": "k" * 32})
    clock = itertools.count(1_795_165_200_000_000, 100_000)
    brands, agents, channels = set(), set(), set()
    for delivery in itertools.islice(endless_deliveries(1, lambda: next(clock)), 1000):
        for event in translate(orjson.dumps(delivery), settings).events:
            brands.add(event["brand"])
            channels.add(event["channel"])
            if "agent_id" in event:
                agents.add(event["agent_id"])
    assert brands == set(config.brands.allowlist) == {"synthetic-care", "synthetic-travel"}
    assert agents == set(config.agents.allowlist)
    assert channels - set(config.channels.allowlist) == {"webwidget"}  # reported as other
