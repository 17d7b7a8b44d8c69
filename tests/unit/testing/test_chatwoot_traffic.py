"""The simulated Chatwoot traffic: every delivery maps (or is ignored as Chatwoot's twins
and notes are), conversations follow their script, times come from the clock given."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import orjson

from streams.bridge.chatwoot import translate
from streams.bridge.settings import ChatwootSettings
from streams.testing.chatwoot_traffic import endless_deliveries, scenario_deliveries

SETTINGS = ChatwootSettings(customer_key=b"synthetic-customer-key-0123456789")
START_US = 1_795_165_200_000_000


def test_the_scenario_is_17_deliveries_mapping_to_13_events_and_4_ignored() -> None:
    outcomes = Counter(translate(orjson.dumps(d), SETTINGS).outcome for d in scenario_deliveries())
    assert outcomes == {"mapped": 13, "ignored": 4}


def test_endless_traffic_maps_without_rejection_in_script_order() -> None:
    clock = itertools.count(START_US, 250_000)  # a delivery every 0.25 s
    first_type: dict[str, str] = {}
    types: dict[str, list[str]] = defaultdict(list)
    times: list[str] = []
    for delivery in itertools.islice(endless_deliveries(7, lambda: next(clock)), 1500):
        translation = translate(orjson.dumps(delivery), SETTINGS)
        assert translation.rejected is None, translation.rejected
        for event in translation.events:
            first_type.setdefault(event["conversation_id"], event["type"])
            types[event["conversation_id"]].append(event["type"])
            times.append(event["occurred_at"])
    assert set(first_type.values()) == {"message.received"}
    assert times == sorted(times)  # built at the clock's time, which only goes forward
    finished = [kinds for kinds in types.values() if "conversation.resolved" in kinds]
    assert len(finished) > 100
    for kinds in finished:
        assert kinds.count("conversation.resolved") == kinds.count("conversation.assigned") == 1


def test_the_same_seed_gives_the_same_traffic() -> None:
    def first(seed: int) -> list[bytes]:
        clock = itertools.count(START_US, 1000)
        return [orjson.dumps(d) for d in itertools.islice(
            endless_deliveries(seed, lambda: next(clock)), 200)]

    assert first(3) == first(3) != first(4)
