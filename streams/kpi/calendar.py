"""Business-hours calendar: open time between instants, and deadlines in open time.

Why this module exists
----------------------
Customer-care targets ("first response within 30 minutes") are agreed in *business* time:
the clock only runs while the care team is open. A message sent on Friday at 16:45 with
a 30-minute target, for a team open Monday-Friday 09:00-17:00 Europe/Rome, is due on
Monday at 09:15, and a message that arrives and is answered while the team is closed
took 0 business seconds. Every KPI sample needs one of these two questions answered, so
this module is on the hot path: it is pure (it never reads the clock), uses exact integer
microseconds (never floats), and caches per local date.

Model
-----
* All instants are ``int`` microseconds since the Unix epoch (UTC), as elsewhere in
  CarePulse. Durations are ``int`` microseconds as well; names carry the unit
  (``_us`` microseconds, ``_s`` / ``second_of_day`` seconds).
* A calendar has an IANA time zone, local wall-clock opening intervals per weekday
  (``[start, end)`` seconds of the local day, ``end`` may be 86400 = next local midnight)
  and holidays (local dates that are closed all day).
* Each local date is converted once into its UTC open intervals with :mod:`zoneinfo`, so
  daylight-saving changes are exact: with ``00:00-24:00`` a spring-forward day has 23
  open hours and a fall-back day has 25.

Wall-clock times that do not exist or are ambiguous
---------------------------------------------------
A local time is always resolved with ``fold=0`` (PEP 495), consistently for every
boundary, including the local midnights that delimit a date:

* an *ambiguous* time (in the repeated hour after a fall-back) means its *first*
  occurrence, i.e. the one with the pre-transition (summer) offset;
* a *non-existent* time (in the skipped hour of a spring-forward) is interpreted with the
  pre-transition offset, i.e. it lands as far past the transition as it was meant to be
  past the old midnight. Example, Europe/Rome 2026-03-29: 02:30 resolves to 01:30 UTC
  (= 03:30 CEST).

Because of this an interval can shrink, vanish or overlap another interval of the same
day after conversion. Each local date therefore owns exactly the UTC window
``[local midnight, next local midnight)`` (both resolved with ``fold=0``); its intervals are
clipped to that window, sorted and merged. The windows of consecutive dates tile the
time line, so no instant is ever counted twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["SECONDS_PER_DAY", "BusinessCalendar", "parse_hours"]

SECONDS_PER_DAY = 86_400
_US_PER_SECOND = 1_000_000
_US_PER_DAY = SECONDS_PER_DAY * _US_PER_SECOND
_DAYS_PER_WEEK = 7
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = _EPOCH_UTC.date().toordinal()
_ONE_US = dt.timedelta(microseconds=1)
_MAX_ORDINAL = dt.date.max.toordinal()
#: Upper bound on the number of cached local dates (about eleven years).
_DAY_CACHE_SIZE = 4096
#: deadline_after gives up after this many consecutive days without open time beyond
#: what the holidays can explain. Unreachable for a valid calendar; it only turns a
#: hypothetical infinite loop (e.g. a zone that keeps skipping the open hours) into an error.
_MAX_CLOSED_STREAK_DAYS = 400 * _DAYS_PER_WEEK


class _Day(NamedTuple):
    """UTC view of one local date (all values in microseconds since the epoch)."""

    window_start_us: int  # local midnight of the date
    window_end_us: int  # local midnight of the next date
    open_us: int  # total open microseconds of the date
    intervals_us: tuple[tuple[int, int], ...]  # sorted, disjoint, non-empty [start, end)


def parse_hours(spec: str) -> tuple[int, int]:
    """Parse ``"HH:MM-HH:MM"`` (e.g. ``"09:00-17:00"``, ``"00:00-24:00"``) into seconds of day.

    Returns ``(start_second_of_day, end_second_of_day)`` with the end exclusive; ``24:00`` is
    accepted only as an end. Raises :class:`ValueError` for anything else.
    """
    start_text, sep, end_text = spec.strip().partition("-")
    if not sep:
        raise ValueError(f"opening hours {spec!r}: expected 'HH:MM-HH:MM', e.g. '09:00-17:00'")
    start_s = _parse_clock(start_text.strip(), spec)
    end_s = _parse_clock(end_text.strip(), spec)
    if start_s == SECONDS_PER_DAY:
        raise ValueError(f"opening hours {spec!r}: 24:00 is only valid as the closing time")
    if start_s >= end_s:
        raise ValueError(f"opening hours {spec!r}: opening time must be before closing time")
    return start_s, end_s


def _parse_clock(text: str, spec: str) -> int:
    """Parse ``"HH:MM"`` (00:00..24:00) into seconds of day."""
    hours_text, sep, minutes_text = text.partition(":")
    if not (
        sep
        and len(hours_text) == 2
        and len(minutes_text) == 2
        and (hours_text + minutes_text).isascii()
        and (hours_text + minutes_text).isdigit()
    ):
        raise ValueError(f"opening hours {spec!r}: {text!r} is not a 'HH:MM' time")
    hours, minutes = int(hours_text), int(minutes_text)
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"opening hours {spec!r}: {text!r} is not a time between 00:00 and 24:00")
    return hours * 3600 + minutes * 60


def _validated_week(
    weekly_open: Mapping[int, Sequence[tuple[int, int]]],
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Check the weekly intervals and return them indexed by weekday, sorted by start."""
    week: list[tuple[tuple[int, int], ...]] = [() for _ in range(_DAYS_PER_WEEK)]
    for weekday, intervals in weekly_open.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int):
            raise ValueError(f"weekday {weekday!r} must be an int 0 (Monday) .. 6 (Sunday)")
        if not 0 <= weekday < _DAYS_PER_WEEK:
            raise ValueError(f"weekday {weekday} out of range 0 (Monday) .. 6 (Sunday)")
        checked: list[tuple[int, int]] = []
        for interval in intervals:
            if len(interval) != 2:
                raise ValueError(f"weekday {weekday}: interval {interval!r} is not a (start, end)")
            start_s, end_s = interval
            if any(isinstance(v, bool) or not isinstance(v, int) for v in (start_s, end_s)):
                raise ValueError(f"weekday {weekday}: interval {interval!r} must be int seconds")
            if not 0 <= start_s < end_s <= SECONDS_PER_DAY:
                raise ValueError(
                    f"weekday {weekday}: interval {interval!r} must satisfy "
                    f"0 <= start < end <= {SECONDS_PER_DAY}"
                )
            checked.append((start_s, end_s))
        checked.sort()
        for (_, previous_end_s), (start_s, end_s) in itertools.pairwise(checked):
            if start_s < previous_end_s:
                raise ValueError(f"weekday {weekday}: interval {(start_s, end_s)} overlaps another")
        week[weekday] = tuple(checked)
    if not any(week):
        raise ValueError("the calendar has no open time in the week")
    return tuple(week)


class BusinessCalendar:
    """Opening hours in a time zone, with holidays; answers business-time questions.

    Instances are immutable after construction (apart from an internal cache of per-date
    UTC intervals) and safe to share; the methods never read the clock.
    """

    __slots__ = ("_day_cache", "_holiday_ordinals", "_week", "_zone", "timezone")

    def __init__(
        self,
        timezone: str,
        weekly_open: Mapping[int, Sequence[tuple[int, int]]],
        holidays: Iterable[dt.date] = (),
    ) -> None:
        """Build a calendar.

        ``weekly_open`` maps weekday (0=Monday .. 6=Sunday) to local wall-clock opening
        intervals ``(start_second_of_day, end_second_of_day)``, end exclusive,
        ``0 <= start < end <= 86400``. Missing weekdays are closed. ``holidays`` are local
        dates closed all day. Raises :class:`ValueError` if the week has no open time, if
        intervals overlap or are out of range, or if the time zone is unknown.
        """
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        self.timezone = timezone
        self._zone = zone
        self._week = _validated_week(weekly_open)
        ordinals: set[int] = set()
        for holiday in holidays:
            if not isinstance(holiday, dt.date) or isinstance(holiday, dt.datetime):
                raise ValueError(f"holiday {holiday!r} must be a datetime.date")
            ordinals.add(holiday.toordinal())
        self._holiday_ordinals = frozenset(ordinals)
        self._day_cache: dict[int, _Day] = {}

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(timezone={self.timezone!r}, weekly_open={self._week!r}, "
            f"holidays={len(self._holiday_ordinals)})"
        )

    # -- public API --------------------------------------------------------------------

    def business_us_between(self, start_us: int, end_us: int) -> int:
        """Open microseconds in ``[start_us, end_us)``; 0 if ``end_us <= start_us``."""
        if end_us <= start_us:
            return 0
        day_at = self._day_at
        # The local date of an instant is its UTC date -1, +0 or +1 (|offset| < 24 h), and
        # the date windows tile the time line, so scanning from UTC date - 1 is enough.
        ordinal = _EPOCH_ORDINAL + start_us // _US_PER_DAY - 1
        total_us = 0
        while True:
            day = day_at(ordinal)
            if day.window_start_us >= end_us:
                return total_us
            if day.window_end_us > start_us and day.open_us:
                if start_us <= day.window_start_us and day.window_end_us <= end_us:
                    total_us += day.open_us
                else:
                    for open_start_us, open_end_us in day.intervals_us:
                        lo_us = open_start_us if open_start_us > start_us else start_us
                        hi_us = open_end_us if open_end_us < end_us else end_us
                        if hi_us > lo_us:
                            total_us += hi_us - lo_us
            ordinal += 1

    def deadline_after(self, start_us: int, business_us: int) -> int:
        """The instant at which ``business_us`` open microseconds have passed since ``start_us``.

        ``business_us == 0`` returns ``start_us`` unchanged (even when closed). If the start is
        in closed time the count starts at the next opening. The result is the earliest such
        instant: a deadline that uses up an interval exactly is that interval's closing
        instant, not the next opening. Raises :class:`ValueError` if ``business_us < 0``.
        """
        if business_us <= 0:
            if business_us == 0:
                return start_us
            raise ValueError(f"business_us must be >= 0, got {business_us}")
        day_at = self._day_at
        ordinal = _EPOCH_ORDINAL + start_us // _US_PER_DAY - 1
        remaining_us = business_us
        closed_streak_days = 0
        streak_limit_days = len(self._holiday_ordinals) + _MAX_CLOSED_STREAK_DAYS
        while True:
            day = day_at(ordinal)
            if day.window_end_us > start_us and day.open_us:
                if start_us <= day.window_start_us and day.open_us < remaining_us:
                    remaining_us -= day.open_us
                else:
                    for open_start_us, open_end_us in day.intervals_us:
                        if open_end_us <= start_us:
                            continue
                        lo_us = open_start_us if open_start_us > start_us else start_us
                        available_us = open_end_us - lo_us
                        if remaining_us <= available_us:
                            return lo_us + remaining_us
                        remaining_us -= available_us
                closed_streak_days = 0
            else:
                closed_streak_days += 1
                if closed_streak_days > streak_limit_days:
                    raise RuntimeError(
                        f"no open time in {closed_streak_days} consecutive days after "
                        f"ordinal {ordinal}; calendar {self!r} never reopens"
                    )
            ordinal += 1

    # -- per-date UTC intervals ----------------------------------------------------------

    def _day_at(self, ordinal: int) -> _Day:
        """UTC view of the local date with proleptic Gregorian ``ordinal`` (cached)."""
        day = self._day_cache.get(ordinal)
        if day is None:
            day = self._compute_day(ordinal)
            cache = self._day_cache
            if len(cache) >= _DAY_CACHE_SIZE:
                del cache[next(iter(cache))]  # evict the oldest entry (FIFO)
            cache[ordinal] = day
        return day

    def _local_to_utc_us(self, ordinal: int, second_of_day: int) -> int:
        """Local wall-clock time (``fold=0``) on a date -> microseconds since the epoch."""
        if not 1 <= ordinal < _MAX_ORDINAL:
            raise ValueError("instant outside the supported date range (years 1..9999)")
        midnight = dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time(), tzinfo=self._zone)
        # Aware + timedelta is wall-clock arithmetic and yields fold=0 (PEP 495); 86400 s is
        # the next local midnight. Subtracting the UTC epoch applies the zone offset exactly.
        local = midnight + dt.timedelta(seconds=second_of_day)
        return (local - _EPOCH_UTC) // _ONE_US

    def _compute_day(self, ordinal: int) -> _Day:
        window_start_us = self._local_to_utc_us(ordinal, 0)
        window_end_us = max(window_start_us, self._local_to_utc_us(ordinal, SECONDS_PER_DAY))
        if ordinal in self._holiday_ordinals:
            return _Day(window_start_us, window_end_us, 0, ())
        weekday = (ordinal - 1) % _DAYS_PER_WEEK  # ordinal 1 (0001-01-01) was a Monday
        merged: list[tuple[int, int]] = []
        clipped: list[tuple[int, int]] = []
        for start_s, end_s in self._week[weekday]:
            open_start_us = max(window_start_us, self._local_to_utc_us(ordinal, start_s))
            open_end_us = min(window_end_us, self._local_to_utc_us(ordinal, end_s))
            if open_end_us > open_start_us:
                clipped.append((open_start_us, open_end_us))
        for open_start_us, open_end_us in sorted(clipped):
            if merged and open_start_us <= merged[-1][1]:
                if open_end_us > merged[-1][1]:
                    merged[-1] = (merged[-1][0], open_end_us)
            else:
                merged.append((open_start_us, open_end_us))
        open_us = sum(end_us - start_us for start_us, end_us in merged)
        return _Day(window_start_us, window_end_us, open_us, tuple(merged))
