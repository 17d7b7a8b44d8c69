"""What the KPI layer is told by its caller: plain values, never a configuration file.

The engine, the report tallies and the live windows take these; `streams.config` builds
them from the TOML models (`CarePulseConfig.kpi_settings()`), so this layer never loads
or validates configuration and knows nothing of the file's sections. `Thresholds` and
`Savings` are protocols: the configuration's own frozen sections fit them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from streams.kpi.sla import SlaRules

MONTH_SECONDS: Final = 2_592_000
"""A month of monthly costs: 30 days (docs/kpis.md section 6 prorates by it)."""


class Thresholds(Protocol):
    """Where sentiment turns positive or negative, and which survey scores count as
    satisfied, promoters and detractors (docs/kpis.md section 5)."""

    @property
    def sentiment_positive_above(self) -> float: ...

    @property
    def sentiment_negative_below(self) -> float: ...

    @property
    def csat_satisfied_min(self) -> int: ...

    @property
    def nps_promoter_min(self) -> int: ...

    @property
    def nps_detractor_max(self) -> int: ...


class Savings(Protocol):
    """The deflection savings' money (docs/kpis.md section 6)."""

    @property
    def currency(self) -> str: ...

    @property
    def monthly_total(self) -> float:
        """The monthly cost of social care, prorated by MONTH_SECONDS."""

    def alternative_cost(self, channel: str) -> float:
        """What a contact of `channel` (a label value) would cost elsewhere."""


@dataclass(frozen=True, slots=True)
class LabelAllowlists:
    """Values reported under their own name; any other is `other` (labels.py)."""

    channels: tuple[str, ...]
    brands: tuple[str, ...]
    topics: tuple[str, ...]
    quick_replies: tuple[str, ...]
    agents: tuple[str, ...] | None
    """None: agents get no series of their own."""
    teams: tuple[str, ...] | None = None
    """None: teams get no series of their own."""


@dataclass(frozen=True, slots=True)
class KpiSettings:
    """Everything the engine and its sinks need to turn events into KPIs."""

    labels: LabelAllowlists
    thresholds: Thresholds
    sla_policies: tuple[SlaRules, ...]
    """In matching order: the first policy matching a cycle applies."""
    savings: Savings
    dedupe_capacity: int
    """How many recent event ids are remembered."""
    resolved_grace_us: int
    """How long after its last event time an event closes a resolved conversation for
    good (docs/kpis.md section 1)."""
    late_event_tolerance_us: int
    """How far behind its partition's newest event time an event may arrive and still
    find its resolved conversation: the live worker and `replay --topic` forget one
    `resolved_grace_us + late_event_tolerance_us` after its last event time."""

    @property
    def forget_after_us(self) -> int:
        return self.resolved_grace_us + self.late_event_tolerance_us
