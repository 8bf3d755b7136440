"""Calendar arithmetic the rules need but clingo cannot do: adding days and months.

Adding whole years stays in the programs (``D + N*10000``); periods in days or months
are computed here and emitted as dates. This is arithmetic, not legal judgement.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

from cmr_reason.facts.history import SentencePart


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


def sentence_end(disposition: date | None, parts: tuple[SentencePart, ...]) -> date | None:
    """Estimated end of a sentence: the disposition date plus its longest timed part.

    Parts of one sentence (jail as a condition of probation, say) run together from the
    judgment, so the longest part ends the sentence. A fine alone ends on the judgment
    date. Returns None when the disposition date is unknown, when there are no sentence
    parts, or when a timed part has no usable length (the rules then flag it).
    """
    if disposition is None or not parts:
        return None
    end = disposition
    for part in parts:
        if part.kind == "fine" and part.length is None:
            continue
        if part.length is None or part.unit is None:
            return None
        part_end = add_period(disposition, part.length, part.unit)
        if part_end is None:
            return None
        end = max(end, part_end)
    return end
