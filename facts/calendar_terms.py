"""Calendar arithmetic the remedy programs ask for while grounding (clingo ``@`` terms).

A program says which date and how many years or days (``@add_years(D, 4)``,
``@add_days(D, -90)``); the arithmetic is done here, on real calendar dates
(:func:`cmr_reason.facts.dates.add_period`), never approximated in the programs. Dates are
``YYYYMMDD`` integers as in the facts. Arithmetic only: no legal judgement.
"""

from __future__ import annotations

from datetime import date

import clingo

from cmr_reason.facts.dates import add_period, from_yyyymmdd, to_yyyymmdd


def _as_date(term: clingo.Symbol) -> date | None:
    if term.type is not clingo.SymbolType.Number:
        return None
    try:
        return from_yyyymmdd(term.number)
    except ValueError:
        return None


def plus_years(start: date, years: int) -> date | None:
    """``start`` plus whole calendar years; 29 February lands on 1 March in a common year.

    "At least one calendar year has elapsed since" 29 February 2020 is read as 1 March 2021,
    the later of the two possible days: relief is never dated before the law allows it
    (docs/legal-questions.md "PC 1203.425: a year after 29 February").
    """
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        try:
            return date(start.year + years, 3, 1)
        except ValueError:
            return None


def _shift(day: clingo.Symbol, count: clingo.Symbol, unit: str) -> clingo.Symbol:
    """``day`` plus ``count`` units, or the symbol ``none`` when either cannot be read."""
    start = _as_date(day)
    if start is None or count.type is not clingo.SymbolType.Number:
        return clingo.Function("none")
    end = (
        plus_years(start, count.number) if unit == "year" else add_period(start, count.number, unit)
    )
    if end is None:
        return clingo.Function("none")
    return clingo.Number(to_yyyymmdd(end))


class CalendarTerms:
    """The ``@`` functions of the programs; pass an instance as clingo's ground context.

    A year after 29 February is 1 March in a common year (:func:`plus_years`).
    """

    @staticmethod
    def add_years(day: clingo.Symbol, years: clingo.Symbol) -> clingo.Symbol:
        """``day`` plus whole calendar years."""
        return _shift(day, years, "year")

    @staticmethod
    def add_days(day: clingo.Symbol, days: clingo.Symbol) -> clingo.Symbol:
        """``day`` plus (or minus) calendar days."""
        return _shift(day, days, "day")


CALENDAR = CalendarTerms()
