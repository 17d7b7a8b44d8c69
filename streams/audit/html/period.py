"""The previous period the HTML report's tiles compare with: `--compare-from/--compare-to`
when given, else the period of the same length just before `--from/--to`; computed from
the same input in the same pass (a second report sink), so it counts only when the input
has events in it."""

from __future__ import annotations

from streams.audit.report import AuditRun
from streams.kpi.timeutil import iso_from_us

NO_FIXED_RANGE = (
    "no previous period in the input: the range has no fixed start and end (give --from "
    "and --to, or --compare-from and --compare-to)"
)


def comparison_range(
    from_us: int | None, to_us: int | None, compare_from_us: int | None,
    compare_to_us: int | None,
) -> tuple[int, int] | None:
    if compare_from_us is not None and compare_to_us is not None:
        return compare_from_us, compare_to_us
    if from_us is None or to_us is None:
        return None
    return from_us - (to_us - from_us), from_us


def comparison_note(run: AuditRun, compare: tuple[int, int] | None) -> tuple[str, bool]:
    """What the changes compare with, and whether the previous report is to be shown."""
    if compare is None:
        return NO_FIXED_RANGE, False
    start, end = iso_from_us(compare[0]), iso_from_us(compare[1])
    engine = run.engine
    if not engine.accepted or engine.first_event_us >= compare[1] or (
        engine.last_event_us < compare[0]
    ):
        return f"no previous period in the input (no event from {start} to {end})", False
    note = f"against {start} to {end}"
    if engine.first_event_us > compare[0]:
        note += f" (partly: the input starts at {iso_from_us(engine.first_event_us)})"
    return note, True
