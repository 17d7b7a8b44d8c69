"""Label values of the live metrics come from allowlists (docs/architecture.md, principle 5).

An event may carry any brand, topic, quick reply or agent id; a metric label may not, or
one busy day would create series without bound. Each value is looked up in its
allowlist: a listed value is reported as itself, any other as `other`, a message without
topic as `none`. Agents get series of their own only when `metrics.agent_series` is on,
teams only when `metrics.team_series` is on (a fact without a team as `none`).
The maps return the allowlist's own string objects, so the keys counted per event are
the same few objects whatever the input (cheap to hash, nothing kept from the event).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from streams.kpi.settings import LabelAllowlists

OTHER: Final = "other"
NO_TOPIC: Final = "none"
NO_TEAM: Final = "none"


def _identity(values: Iterable[str]) -> dict[str | None, str]:
    return {value: value for value in values}


class LabelValues:
    """Maps from an event's value to its label value: `values.get(raw, OTHER)`."""

    __slots__ = ("agents", "brands", "channels", "quick_replies", "teams", "topics")

    def __init__(self, allowlists: LabelAllowlists) -> None:
        self.channels = _identity(allowlists.channels)
        self.brands = _identity(allowlists.brands)
        self.topics = {None: NO_TOPIC, **_identity(allowlists.topics)}
        self.quick_replies = _identity(allowlists.quick_replies)
        self.agents = None if allowlists.agents is None else _identity(allowlists.agents)
        self.teams = (
            None if allowlists.teams is None
            else {None: NO_TEAM, **_identity(allowlists.teams)}
        )

    @property
    def default_brand(self) -> str:
        """The label of an event without brand (and of state checkpointed before brands
        were labels, whose brand is unknown)."""
        return self.brands.get("default", OTHER)
