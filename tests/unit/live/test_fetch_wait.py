"""The consumer's fetch wait: doubled while records wait and none are applied, short
again once the worker has caught up."""

from __future__ import annotations

from types import SimpleNamespace

from streams.live.fetch_wait import FetchWait


def test_the_wait_doubles_while_stalled_and_drops_once_caught_up() -> None:
    wait = FetchWait(short_ms=50, long_ms=1500)
    fetcher = SimpleNamespace(_fetch_max_wait_ms=50)
    consumer = SimpleNamespace(_fetch_max_wait_ms=50, _fetcher=fetcher)
    wait._consumers.append(consumer)
    seen = []
    for lagging, progressed in [
        (True, False), (True, False), (True, False),  # stalled: 100, 200, 400
        (True, True),  # records flow again: kept
        (True, False), (True, False), (True, False),  # 800, then capped at 1500 twice
        (False, True),  # caught up: short again
    ]:
        wait.update(lagging=lagging, progressed=progressed)
        seen.append(fetcher._fetch_max_wait_ms)
    assert seen == [100, 200, 400, 400, 800, 1500, 1500, 50]
    assert consumer._fetch_max_wait_ms == 50
