"""Calendar arithmetic the rules need but clingo cannot do: adding days and months.

Adding whole years stays in the programs (``D + N*10000``); periods in days or months
are computed here and emitted as dates (each sentence part's end). This is arithmetic, not
legal judgement. Dates and the ``YYYYMMDD`` integers the programs use are converted here
too (:func:`to_yyyymmdd`, :func:`from_yyyymmdd`), and nowhere else.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache


def to_yyyymmdd(value: date) -> int:
    """A date as the integer ``YYYYMMDD``."""
    return value.year * 10000 + value.month * 100 + value.day


def from_yyyymmdd(value: int) -> date:
    """The date of a ``YYYYMMDD`` integer; :class:`ValueError` when it names no day."""
    return date(value // 10000, value // 100 % 100, value % 100)


def add_months(start: date, months: int) -> date:
    """Add calendar months; a day past the month's end falls on its last day."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@lru_cache(maxsize=1 << 14)
def add_period(start: date, length: int, unit: str) -> date | None:
    """Add ``length`` days, months or years to ``start``; None when it cannot be represented.

    Cached: the same judgment dates and sentence lengths recur across people.
    """
    try:
        if unit == "day":
            return start + timedelta(days=length)
        if unit == "month":
            return add_months(start, length)
        if unit == "year":
            return add_months(start, 12 * length)
    except (OverflowError, ValueError):
        return None
    return None


def part_end(disposition: date | None, length: int | None, unit: str | None) -> date | None:
    """The calendar end of a sentence part: ``length`` days, months or years after judgment.

    None when the part has no length, or the date is unknown or cannot be represented.

    Calendar arithmetic only: which parts count, and when the whole sentence is over, the
    programs decide (``programs/core/sentence.lp``).
    """
    if disposition is None or length is None or unit is None:
        return None
    return add_period(disposition, length, unit)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def part_end_yyyymmdd(disposition: int, length: int, unit: str) -> int | None:
    """:func:`part_end` of a ``YYYYMMDD`` integer, as an integer (the bulk run's facts).

    The same value without the cached date arithmetic (each batch's cache starts empty):
    ``tests/test_direct_facts.py`` compares the two over every day of several years.
    """
    if unit == "month" or unit == "year":
        index = disposition // 100 % 100 - 1 + (length * 12 if unit == "year" else length)
        year = disposition // 10000 + index // 12
        if year > 9999:  # past what a date can hold: part_end gives None
            return None
        month = index % 12 + 1
        day = disposition % 100
        if day > 28:  # a day past the month's end falls on its last day
            day = min(
                day, _MONTH_DAYS[month - 1] if month != 2 else calendar.monthrange(year, 2)[1]
            )
        return year * 10000 + month * 100 + day
    if unit != "day":
        return None
    try:
        end = date(disposition // 10000, disposition // 100 % 100, disposition % 100) + timedelta(
            days=length
        )
    except OverflowError:
        return None
    return end.year * 10000 + end.month * 100 + end.day
