"""Numbers of the audit report in human units, for the table and the HTML report:
durations as `1 h 23 min`, rates as `94 %`, counts with thousands separators.
`None` (a statistic over nothing) becomes the reason given by the caller."""

from __future__ import annotations

MINUTE_S = 60
HOUR_S = 3600
DAY_S = 86400


def duration(seconds: float | None, none: str = "no data") -> str:
    """`45 s`, `12 min 5 s`, `1 h 23 min`, `2 d 4 h`: the two largest units, rounded
    down to the second; under a minute with one decimal when not whole."""
    if seconds is None:
        return none
    if seconds < MINUTE_S:
        whole = int(seconds)
        return f"{whole} s" if seconds == whole else f"{seconds:.1f} s"
    total = int(seconds)
    days, rest = divmod(total, DAY_S)
    hours, rest = divmod(rest, HOUR_S)
    minutes, secs = divmod(rest, MINUTE_S)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def percent(fraction: float | None, none: str = "no data") -> str:
    """`94 %`, `1,250 %`; one decimal between 0 and 10 % and between 99 and 100 %
    (`2.5 %`, `99.6 %`), where a whole percent hides the difference that matters."""
    if fraction is None:
        return none
    value = fraction * 100
    if 0 < abs(value) < 10 or 99 < abs(value) < 100:
        return f"{value:.1f} %"
    return f"{value:,.0f} %"


def count(value: int) -> str:
    return f"{value:,}"


def counted(value: int, noun: str) -> str:
    """`1 answer`, `2 answers`, `1,204 replies` (nouns of this report: +s, y -> ies)."""
    if value == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2] not in "aeiou" else noun + "s"
    return f"{count(value)} {plural}"


def number(value: float | None, decimals: int = 2, none: str = "no data") -> str:
    if value is None:
        return none
    return f"{value:,.{decimals}f}"


def money(amount: float | None, currency: str, none: str = "no data") -> str:
    if amount is None:
        return none
    return f"{amount:,.0f} {currency}" if abs(amount) >= 100 else f"{amount:,.2f} {currency}"
