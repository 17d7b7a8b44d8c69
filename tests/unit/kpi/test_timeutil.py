"""Instants as integer microseconds (streams/kpi/timeutil.py): exact for every aware
datetime, whatever its offset, and the same for pydantic's parsed timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.rejections import validate_json
from streams.kpi.timeutil import EPOCH, to_us

ONE_US = timedelta(microseconds=1)
OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59, seconds=-59,
                                            microseconds=-999_999),
                        max_value=timedelta(hours=23, minutes=59, seconds=59,
                                            microseconds=999_999))


@given(local=st.datetimes(min_value=datetime(1, 1, 2),  # noqa: DTZ001 (naive bounds)
                          max_value=datetime(9999, 12, 30)),  # noqa: DTZ001
       offset=OFFSETS)
def test_exact_for_any_offset_and_year(local: datetime, offset: timedelta) -> None:
    moment = local.replace(tzinfo=timezone(offset))
    assert to_us(moment) == (moment - EPOCH) // ONE_US


@pytest.mark.parametrize(("text", "expected_us"), [
    ("2026-12-01T00:00:00Z", 1_796_083_200_000_000),
    ("2026-12-01T01:00:00.000001+01:00", 1_796_083_200_000_001),
    ("2026-11-30T18:59:59.999999-05:00", 1_796_083_199_999_999),
    ("1970-01-01T00:00:00Z", 0),
])
def test_parsed_timestamps(text: str, expected_us: int) -> None:
    event = validate_json(
        '{"type": "conversation.tagged", "event_id": "e-1", "conversation_id": "c-1", '
        f'"channel": "x", "occurred_at": "{text}", "tags": ["t"]}}'
    )
    assert to_us(event.occurred_at) == expected_us


def test_naive_datetime_has_no_instant() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_us(datetime(2026, 12, 1))  # noqa: DTZ001
    assert to_us(datetime(2026, 12, 1, tzinfo=UTC)) == 1_796_083_200_000_000
