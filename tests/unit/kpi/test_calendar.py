"""Tests for streams.kpi.calendar: exact hand-computed values plus hypothesis properties.

Expected instants are written as UTC wall-clock fields (helper ``utc_us``) with the local
Europe/Rome time in a comment: CET is UTC+1 (winter), CEST is UTC+2 (summer). In 2026
summer time starts Sunday 2026-03-29 (02:00 CET -> 03:00 CEST) and ends Sunday
2026-10-25 (03:00 CEST -> 02:00 CET).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.kpi import calendar as calendar_module
from streams.kpi.calendar import BusinessCalendar, parse_hours

HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
DAY_US = 24 * HOUR_US

NINE_TO_FIVE = (9 * 3600, 17 * 3600)
WEEKDAYS_9_17 = {weekday: [NINE_TO_FIVE] for weekday in range(5)}
WHOLE_DAY = (0, 86_400)


def utc_us(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    """UTC wall-clock fields -> microseconds since the epoch (independent of the module)."""
    delta = dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC) - dt.datetime(
        1970, 1, 1, tzinfo=dt.UTC
    )
    return delta // dt.timedelta(microseconds=1)


def rome_office(holidays: tuple[dt.date, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar("Europe/Rome", WEEKDAYS_9_17, holidays)


def test_utc_helper_matches_a_literal_instant() -> None:
    assert utc_us(1970, 1, 1) == 0
    assert utc_us(2026, 11, 23, 8, 15) == 1_795_421_700_000_000


# -- the spec example and basic spans ------------------------------------------------------


def test_spec_example_friday_1645_plus_30_minutes_is_monday_0915() -> None:
    cal = rome_office()
    friday_1645 = utc_us(2026, 11, 20, 15, 45)  # Fri 16:45 CET
    monday_0915 = utc_us(2026, 11, 23, 8, 15)  # Mon 09:15 CET
    assert cal.deadline_after(friday_1645, 30 * MINUTE_US) == monday_0915
    assert cal.business_us_between(friday_1645, monday_0915) == 30 * MINUTE_US


def test_message_and_answer_both_while_closed_is_zero() -> None:
    cal = rome_office()
    saturday_1000 = utc_us(2026, 11, 21, 9)  # Sat 10:00 CET
    sunday_1800 = utc_us(2026, 11, 22, 17)  # Sun 18:00 CET
    assert cal.business_us_between(saturday_1000, sunday_1800) == 0
    friday_1800 = utc_us(2026, 11, 20, 17)  # Fri 18:00 CET
    monday_0800 = utc_us(2026, 11, 23, 7)  # Mon 08:00 CET
    assert cal.business_us_between(friday_1800, monday_0800) == 0
    tuesday_0700 = utc_us(2026, 11, 24, 6)  # Tue 07:00 CET, before opening
    tuesday_0859 = utc_us(2026, 11, 24, 7, 59)  # Tue 08:59 CET
    assert cal.business_us_between(tuesday_0700, tuesday_0859) == 0


def test_empty_or_reversed_span_is_zero() -> None:
    cal = rome_office()
    tuesday_1000 = utc_us(2026, 11, 24, 9)  # Tue 10:00 CET, open
    assert cal.business_us_between(tuesday_1000, tuesday_1000) == 0
    assert cal.business_us_between(tuesday_1000, tuesday_1000 - HOUR_US) == 0


def test_span_within_one_open_interval_is_wall_time() -> None:
    cal = rome_office()
    tuesday_1000 = utc_us(2026, 11, 24, 9)  # Tue 10:00 CET
    assert cal.business_us_between(tuesday_1000, tuesday_1000 + 2 * HOUR_US) == 2 * HOUR_US
    assert cal.business_us_between(tuesday_1000, tuesday_1000 + 1) == 1


def test_span_across_a_weekend() -> None:
    cal = rome_office()
    friday_1200 = utc_us(2026, 11, 20, 11)  # Fri 12:00 CET: 5 h left on Friday
    monday_1200 = utc_us(2026, 11, 23, 11)  # Mon 12:00 CET: 3 h used on Monday
    assert cal.business_us_between(friday_1200, monday_1200) == 8 * HOUR_US


def test_whole_month_of_november_2026() -> None:
    cal = rome_office()
    # 2026-11-01 is a Sunday: 21 weekdays (2-6, 9-13, 16-20, 23-27, 30) of 8 h.
    start = utc_us(2026, 10, 31, 23)  # Sun 2026-11-01 00:00 CET
    end = utc_us(2026, 11, 30, 23)  # Tue 2026-12-01 00:00 CET
    assert cal.business_us_between(start, end) == 21 * 8 * HOUR_US
    # The same 168 h counted from the first opening end at the last closing.
    monday_0900 = utc_us(2026, 11, 2, 8)  # Mon 2026-11-02 09:00 CET
    last_closing = utc_us(2026, 11, 30, 16)  # Mon 2026-11-30 17:00 CET
    assert cal.deadline_after(monday_0900, 21 * 8 * HOUR_US) == last_closing


# -- deadlines at the edges ------------------------------------------------------------------


def test_deadline_starting_exactly_at_opening() -> None:
    cal = rome_office()
    monday_0900 = utc_us(2026, 11, 23, 8)  # Mon 09:00 CET
    assert cal.deadline_after(monday_0900, 30 * MINUTE_US) == utc_us(2026, 11, 23, 8, 30)
    assert cal.deadline_after(monday_0900, 8 * HOUR_US) == utc_us(2026, 11, 23, 16)
    assert cal.deadline_after(monday_0900, 8 * HOUR_US + 1) == utc_us(2026, 11, 24, 8) + 1


def test_deadline_starting_exactly_at_closing() -> None:
    cal = rome_office()
    friday_1700 = utc_us(2026, 11, 20, 16)  # Fri 17:00 CET, closing (end exclusive)
    monday_0930 = utc_us(2026, 11, 23, 8, 30)  # Mon 09:30 CET
    assert cal.deadline_after(friday_1700, 30 * MINUTE_US) == monday_0930
    assert cal.business_us_between(friday_1700, monday_0930) == 30 * MINUTE_US


def test_deadline_that_uses_up_an_interval_is_its_closing_instant() -> None:
    cal = rome_office()
    friday_1630 = utc_us(2026, 11, 20, 15, 30)  # Fri 16:30 CET
    friday_1700 = utc_us(2026, 11, 20, 16)  # Fri 17:00 CET
    assert cal.deadline_after(friday_1630, 30 * MINUTE_US) == friday_1700


def test_deadline_zero_returns_start_even_when_closed() -> None:
    cal = rome_office()
    saturday_1000 = utc_us(2026, 11, 21, 9)  # Sat 10:00 CET
    assert cal.deadline_after(saturday_1000, 0) == saturday_1000
    assert cal.deadline_after(saturday_1000, 1) == utc_us(2026, 11, 23, 8) + 1


def test_deadline_rejects_negative_amount() -> None:
    with pytest.raises(ValueError, match="business_us must be >= 0"):
        rome_office().deadline_after(utc_us(2026, 11, 23, 8), -1)


# -- several intervals per day -----------------------------------------------------------------


def split_day_office() -> BusinessCalendar:
    morning = parse_hours("09:00-12:00")
    afternoon = parse_hours("13:00-17:00")
    return BusinessCalendar("Europe/Rome", {weekday: [afternoon, morning] for weekday in range(5)})


def test_several_intervals_per_day_between() -> None:
    cal = split_day_office()
    monday_1100 = utc_us(2026, 11, 23, 10)  # Mon 11:00 CET
    monday_1400 = utc_us(2026, 11, 23, 13)  # Mon 14:00 CET
    assert cal.business_us_between(monday_1100, monday_1400) == 2 * HOUR_US
    monday_0000 = utc_us(2026, 11, 22, 23)  # Mon 00:00 CET
    tuesday_0000 = utc_us(2026, 11, 23, 23)  # Tue 00:00 CET
    assert cal.business_us_between(monday_0000, tuesday_0000) == 7 * HOUR_US
    lunch_start = utc_us(2026, 11, 23, 11)  # Mon 12:00 CET
    lunch_end = utc_us(2026, 11, 23, 12)  # Mon 13:00 CET
    assert cal.business_us_between(lunch_start, lunch_end) == 0


def test_several_intervals_per_day_deadline_skips_the_break() -> None:
    cal = split_day_office()
    monday_1145 = utc_us(2026, 11, 23, 10, 45)  # Mon 11:45 CET
    assert cal.deadline_after(monday_1145, 30 * MINUTE_US) == utc_us(2026, 11, 23, 12, 15)
    monday_1130 = utc_us(2026, 11, 23, 10, 30)  # Mon 11:30 CET -> exactly 12:00 CET
    assert cal.deadline_after(monday_1130, 30 * MINUTE_US) == utc_us(2026, 11, 23, 11)
    monday_1230 = utc_us(2026, 11, 23, 11, 30)  # Mon 12:30 CET, in the break -> 13:30 CET
    assert cal.deadline_after(monday_1230, 30 * MINUTE_US) == utc_us(2026, 11, 23, 12, 30)


def test_adjacent_intervals_behave_like_one() -> None:
    cal = BusinessCalendar("Europe/Rome", {0: [(9 * 3600, 12 * 3600), (12 * 3600, 17 * 3600)]})
    monday_1145 = utc_us(2026, 11, 23, 10, 45)  # Mon 11:45 CET
    assert cal.deadline_after(monday_1145, 30 * MINUTE_US) == utc_us(2026, 11, 23, 11, 15)
    assert cal.business_us_between(utc_us(2026, 11, 22, 23), utc_us(2026, 11, 23, 23)) == (
        8 * HOUR_US
    )


# -- holidays --------------------------------------------------------------------------------


def test_holiday_is_skipped_by_deadline() -> None:
    christmas = dt.date(2026, 12, 25)  # a Friday
    thursday_1645 = utc_us(2026, 12, 24, 15, 45)  # Thu 16:45 CET
    assert rome_office().deadline_after(thursday_1645, 30 * MINUTE_US) == utc_us(
        2026, 12, 25, 8, 15
    )  # Fri 09:15 CET without the holiday
    assert rome_office((christmas,)).deadline_after(thursday_1645, 30 * MINUTE_US) == utc_us(
        2026, 12, 28, 8, 15
    )  # Mon 09:15 CET with it


def test_holiday_is_closed_for_business_us_between() -> None:
    cal = rome_office((dt.date(2026, 12, 25),))
    thursday_0900 = utc_us(2026, 12, 24, 8)  # Thu 09:00 CET
    tuesday_0900 = utc_us(2026, 12, 29, 8)  # Tue 09:00 CET: Thu 8 h + Mon 8 h
    assert cal.business_us_between(thursday_0900, tuesday_0900) == 16 * HOUR_US
    christmas_1000 = utc_us(2026, 12, 25, 9)  # Fri 10:00 CET on the holiday
    assert cal.business_us_between(christmas_1000, christmas_1000 + 4 * HOUR_US) == 0


# -- daylight saving time (Europe/Rome, 2026) -------------------------------------------------


def sunday_only(*intervals: tuple[int, int]) -> BusinessCalendar:
    return BusinessCalendar("Europe/Rome", {6: list(intervals)})


def test_spring_forward_day_has_23_hours() -> None:
    always = BusinessCalendar("Europe/Rome", {weekday: [WHOLE_DAY] for weekday in range(7)})
    sunday_0000 = utc_us(2026, 3, 28, 23)  # Sun 2026-03-29 00:00 CET
    monday_0000 = utc_us(2026, 3, 29, 22)  # Mon 2026-03-30 00:00 CEST
    assert always.business_us_between(sunday_0000, monday_0000) == 23 * HOUR_US
    cal = sunday_only(WHOLE_DAY)
    assert cal.business_us_between(utc_us(2026, 3, 28), utc_us(2026, 3, 31)) == 23 * HOUR_US
    # 24 business hours from Saturday: the 23 h Sunday, then 1 h of Sunday 2026-04-05
    # (which starts at 2026-04-04 22:00 UTC = 00:00 CEST).
    saturday_1200 = utc_us(2026, 3, 28, 11)  # Sat 12:00 CET
    assert cal.deadline_after(saturday_1200, 24 * HOUR_US) == utc_us(2026, 4, 4, 23)
    assert cal.deadline_after(saturday_1200, 23 * HOUR_US) == monday_0000


def test_fall_back_day_has_25_hours() -> None:
    always = BusinessCalendar("Europe/Rome", {weekday: [WHOLE_DAY] for weekday in range(7)})
    sunday_0000 = utc_us(2026, 10, 24, 22)  # Sun 2026-10-25 00:00 CEST
    monday_0000 = utc_us(2026, 10, 25, 23)  # Mon 2026-10-26 00:00 CET
    assert always.business_us_between(sunday_0000, monday_0000) == 25 * HOUR_US
    cal = sunday_only(WHOLE_DAY)
    assert cal.business_us_between(utc_us(2026, 10, 24), utc_us(2026, 10, 27)) == 25 * HOUR_US
    saturday_1400 = utc_us(2026, 10, 24, 12)  # Sat 14:00 CEST
    assert cal.deadline_after(saturday_1400, 24 * HOUR_US) == utc_us(2026, 10, 25, 22)
    assert cal.deadline_after(saturday_1400, 25 * HOUR_US) == monday_0000


def test_office_hours_shift_with_dst() -> None:
    cal = rome_office()
    # Friday before the change 09:00 CET = 08:00 UTC; Monday after it 09:00 CEST = 07:00 UTC.
    friday_1645 = utc_us(2026, 3, 27, 15, 45)  # Fri 16:45 CET
    assert cal.deadline_after(friday_1645, 30 * MINUTE_US) == utc_us(2026, 3, 30, 7, 15)


def test_nonexistent_local_time_uses_fold_0() -> None:
    # 02:30 does not exist on 2026-03-29; fold=0 reads it with the CET offset: 01:30 UTC,
    # which is 03:30 CEST. 04:00 CEST is 02:00 UTC, so the day is open for 30 minutes.
    cal = sunday_only(parse_hours("02:30-04:00"))
    assert cal.business_us_between(utc_us(2026, 3, 29), utc_us(2026, 3, 30)) == 30 * MINUTE_US
    assert cal.deadline_after(utc_us(2026, 3, 28), 1) == utc_us(2026, 3, 29, 1, 30) + 1
    # A week later (no transition) the same interval is 90 minutes: 00:30-02:00 UTC.
    assert cal.business_us_between(utc_us(2026, 4, 5), utc_us(2026, 4, 6)) == 90 * MINUTE_US


def test_intervals_that_overlap_after_the_gap_are_merged() -> None:
    # 01:00-02:45 -> 00:00-01:45 UTC and 03:00-05:00 CEST -> 01:00-03:00 UTC: union is 3 h.
    cal = sunday_only(parse_hours("01:00-02:45"), parse_hours("03:00-05:00"))
    assert cal.business_us_between(utc_us(2026, 3, 29), utc_us(2026, 3, 30)) == 3 * HOUR_US
    assert cal.deadline_after(utc_us(2026, 3, 29), 3 * HOUR_US) == utc_us(2026, 3, 29, 3)


def test_ambiguous_local_time_uses_fold_0() -> None:
    # 02:30 happens twice on 2026-10-25; fold=0 is the first (CEST) one, 00:30 UTC.
    # 03:30 is CET, 02:30 UTC: the interval covers 2 real hours.
    cal = sunday_only(parse_hours("02:30-03:30"))
    assert cal.business_us_between(utc_us(2026, 10, 25), utc_us(2026, 10, 26)) == 2 * HOUR_US
    assert cal.deadline_after(utc_us(2026, 10, 24), 2 * HOUR_US) == utc_us(2026, 10, 25, 2, 30)


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("09:00-17:00", (32_400, 61_200)),
        ("00:00-24:00", (0, 86_400)),
        (" 13:30 - 17:45 ", (48_600, 63_900)),
        ("23:59-24:00", (86_340, 86_400)),
    ],
)
def test_parse_hours(spec: str, expected: tuple[int, int]) -> None:
    assert parse_hours(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "expected 'HH:MM-HH:MM'"),
        ("09:00", "expected 'HH:MM-HH:MM'"),
        ("9:00-17:00", "is not a 'HH:MM' time"),
        ("09:00-17", "is not a 'HH:MM' time"),
        ("09h00-17:00", "is not a 'HH:MM' time"),
        ("09:00-17:00-18:00", "is not a 'HH:MM' time"),
        ("\uff10\uff19:00-17:00", "is not a 'HH:MM' time"),  # full-width digits
        ("09:60-17:00", "between 00:00 and 24:00"),
        ("09:00-25:00", "between 00:00 and 24:00"),
        ("09:00-24:30", "between 00:00 and 24:00"),
        ("24:00-24:00", "only valid as the closing time"),
        ("17:00-09:00", "must be before closing time"),
        ("09:00-09:00", "must be before closing time"),
    ],
)
def test_parse_hours_rejects_bad_input(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(spec)


@pytest.mark.parametrize(
    ("timezone", "weekly_open", "message"),
    [
        ("Mars/Olympus_Mons", WEEKDAYS_9_17, "unknown time zone"),
        ("", WEEKDAYS_9_17, "unknown time zone"),
        ("../etc/passwd", WEEKDAYS_9_17, "unknown time zone"),
        ("Europe/Rome", {}, "no open time"),
        ("Europe/Rome", {0: [], 6: []}, "no open time"),
        ("Europe/Rome", {7: [NINE_TO_FIVE]}, "out of range"),
        ("Europe/Rome", {-1: [NINE_TO_FIVE]}, "out of range"),
        ("Europe/Rome", {0: [(9 * 3600, 12 * 3600), (11 * 3600, 13 * 3600)]}, "overlaps"),
        ("Europe/Rome", {0: [(0, 86_400), (0, 86_400)]}, "overlaps"),
        ("Europe/Rome", {0: [(-1, 3600)]}, "must satisfy"),
        ("Europe/Rome", {0: [(0, 86_401)]}, "must satisfy"),
        ("Europe/Rome", {0: [(3600, 3600)]}, "must satisfy"),
        ("Europe/Rome", {0: [(7200, 3600)]}, "must satisfy"),
    ],
)
def test_constructor_rejects_bad_calendars(
    timezone: str, weekly_open: dict[int, list[tuple[int, int]]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(timezone, weekly_open)


def test_guard_stops_a_deadline_that_cannot_be_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    # Unreachable for a real calendar; shrink the bound to prove the guard fires.
    monkeypatch.setattr(calendar_module, "_MAX_CLOSED_STREAK_DAYS", 3)
    mondays_only = BusinessCalendar("Europe/Rome", {0: [NINE_TO_FIVE]})
    with pytest.raises(RuntimeError, match="never reopens"):
        mondays_only.deadline_after(utc_us(2026, 11, 24, 12), HOUR_US)  # from a Tuesday


def test_day_cache_is_bounded() -> None:
    cal = rome_office()
    start = utc_us(2000, 1, 1)  # Sat 01:00 CET
    end = start + 7300 * DAY_US  # 2019-12-27 00:00 UTC, Fri 01:00 CET
    # 7300 days from a Saturday: 1042 whole weeks plus Sat..Thu (4 weekdays).
    assert cal.business_us_between(start, end) == (1042 * 5 + 4) * 8 * HOUR_US
    assert len(cal._day_cache) == calendar_module._DAY_CACHE_SIZE


# -- properties -----------------------------------------------------------------------------

ZONES = (
    "Europe/Rome",
    "America/New_York",
    "America/Santiago",  # DST changes at local midnight
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Apia",  # skipped 2011-12-30 entirely
    "Asia/Kolkata",
    "UTC",
)
T_MIN_US = utc_us(2010, 1, 1)
T_MAX_US = utc_us(2032, 1, 1)


@st.composite
def weekly_opens(draw: st.DrawFn) -> dict[int, list[tuple[int, int]]]:
    week: dict[int, list[tuple[int, int]]] = {}
    for weekday in range(7):
        boundaries = sorted(
            draw(st.sets(st.integers(0, 96).map(lambda quarter: quarter * 900), max_size=6))
        )
        pairs = list(zip(boundaries[::2], boundaries[1::2], strict=False))
        if pairs:
            week[weekday] = pairs
    if not week:
        week[draw(st.integers(0, 6))] = [(draw(st.integers(0, 95)) * 900, 86_400)]
    return week


calendars = st.builds(
    BusinessCalendar,
    st.sampled_from(ZONES),
    weekly_opens(),
    st.lists(st.dates(dt.date(2009, 12, 1), dt.date(2032, 2, 1)), max_size=40),
)
instants = st.integers(T_MIN_US, T_MAX_US)
business_amounts = st.one_of(
    st.integers(0, 4 * HOUR_US),
    st.integers(0, 10 * DAY_US),
    st.sampled_from([1, MINUTE_US, HOUR_US, 8 * HOUR_US, DAY_US]),
)


@settings(max_examples=300, deadline=None)
@given(calendars, instants, business_amounts)
def test_deadline_is_the_earliest_instant_with_that_much_business_time(
    cal: BusinessCalendar, start_us: int, business_us: int
) -> None:
    deadline_us = cal.deadline_after(start_us, business_us)
    assert deadline_us >= start_us
    assert cal.business_us_between(start_us, deadline_us) == business_us
    if business_us > 0:
        assert cal.business_us_between(start_us, deadline_us - 1) == business_us - 1


@settings(max_examples=300, deadline=None)
@given(calendars, instants, st.integers(0, 40 * DAY_US), st.integers(0, 40 * DAY_US))
def test_business_time_is_additive(
    cal: BusinessCalendar, a_us: int, a_to_b_us: int, b_to_c_us: int
) -> None:
    b_us = a_us + a_to_b_us
    c_us = b_us + b_to_c_us
    a_to_c = cal.business_us_between(a_us, c_us)
    assert a_to_c == cal.business_us_between(a_us, b_us) + cal.business_us_between(b_us, c_us)
    assert 0 <= a_to_c <= c_us - a_us


@settings(max_examples=100, deadline=None)
@given(
    weekly_opens(),
    st.lists(st.dates(dt.date(2025, 12, 1), dt.date(2026, 2, 1)), max_size=10),
    st.integers(0, 60 * 24 * 50),
    st.integers(0, 60 * 24 * 3),
)
def test_matches_minute_by_minute_oracle_in_a_fixed_offset_zone(
    weekly_open: dict[int, list[tuple[int, int]]],
    holidays: list[dt.date],
    start_minute: int,
    span_minutes: int,
) -> None:
    # Asia/Kolkata has been UTC+05:30 without DST since 1945: local time is a plain shift.
    cal = BusinessCalendar("Asia/Kolkata", weekly_open, holidays)
    offset = dt.timedelta(hours=5, minutes=30)
    origin = dt.datetime(2025, 12, 15, tzinfo=dt.UTC)
    start_us = utc_us(2025, 12, 15) + start_minute * MINUTE_US
    open_minutes = 0
    for minute in range(start_minute, start_minute + span_minutes):
        local = origin + dt.timedelta(minutes=minute) + offset
        second_of_day = local.hour * 3600 + local.minute * 60
        if local.date() not in holidays and any(
            start_s <= second_of_day < end_s
            for start_s, end_s in weekly_open.get(local.weekday(), [])
        ):
            open_minutes += 1
    end_us = start_us + span_minutes * MINUTE_US
    assert cal.business_us_between(start_us, end_us) == open_minutes * MINUTE_US
