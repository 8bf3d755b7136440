"""The impact report's numbers: labels, formatting and small-cell suppression.

Every count the report shows goes through :class:`Suppression` with its display key, so a
hidden count is hidden in one place: headline, tables, chart labels and chart bar lengths
alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmr_reason.reasoner.engine.vocabulary import vocabulary

# Outcomes in the order the report shows them: relief first, then the rest
# (``outcome_order/2`` in ``programs/core/vocabulary.lp``).
OUTCOMES = vocabulary().outcomes
RELIEF_OUTCOMES = vocabulary().reliefs
#: The outcome columns of the report's tables, in order, ``unknown`` last.
OUTCOME_ORDER = (*OUTCOMES, "unknown")
LEVELS = ("felony", "misdemeanor", "infraction", "unknown")
LEVEL_LABELS = {
    "felony": "Felonies",
    "misdemeanor": "Misdemeanors",
    "infraction": "Infractions",
    "unknown": "Level not recorded",
}
GENDER_LABELS = {"F": "Female", "M": "Male", "X": "Non-binary"}
SUPPRESSED = "suppressed"

# Where a count sits in summary.json (("by_level", "felony", "review")), or a row total
# (("row_total", "by_level", "felony")); report_groups lists them and how they add up.
Key = tuple[str, ...]


def outcome_label(code: str) -> str:
    """Plain label of an outcome code (``outcome_result/2``)."""
    return vocabulary().result_label(code)


def level_label(code: str) -> str:
    """Plain label of a level code."""
    return LEVEL_LABELS.get(code, code.replace("_", " "))


def group_label(code: str, labels: dict[str, str] | None = None) -> str:
    """A race or gender code as a label: ``BLACK`` -> ``Black``, ``F`` -> ``Female``."""
    if labels and code in labels:
        return labels[code]
    if code == "unknown":
        return "Not recorded"
    return code.title() if code.isupper() and len(code) > 1 else code


def ordered(keys: list[str] | tuple[str, ...], order: tuple[str, ...]) -> list[str]:
    """``keys`` in ``order`` first, then any others sorted."""
    known = [k for k in order if k in keys]
    return known + sorted(k for k in keys if k not in order)


def count_text(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


def pct_text(value: float) -> str:
    """A percentage with one decimal."""
    return f"{value:.1f}%"


@dataclass(frozen=True)
class Cell:
    """One number as shown: its text, and its value unless suppressed."""

    text: str
    value: float | None

    @property
    def suppressed(self) -> bool:
        """Whether the value is hidden."""
        return self.value is None


@dataclass(frozen=True)
class Suppression:
    """Hides counts for publishing; ``below`` 0 or 1 hides nothing.

    A count is hidden when it is from 1 to ``below`` - 1 (primary), or when its display key
    is in ``hidden``: the complements that stop a reader working a hidden count out from
    the counts shown (:mod:`complementary_suppression`). Both show the same mark.
    """

    below: int = 0
    hidden: frozenset[Key] = frozenset()

    @property
    def active(self) -> bool:
        """Whether any count can be hidden."""
        return self.below > 1

    @property
    def mark(self) -> str:
        """The text a hidden count shows; a complement may be N or more, so no "<N"."""
        return SUPPRESSED

    def hides(self, value: int, key: Key) -> bool:
        """Whether the count ``value`` shown under ``key`` is hidden."""
        return self.active and (0 < abs(value) < self.below or key in self.hidden)

    def count(self, value: int, key: Key) -> Cell:
        """A count, hidden when small or when it would give a hidden count away."""
        if self.hides(value, key):
            return Cell(self.mark, None)
        return Cell(count_text(value), value)

    def pct(self, value: float, *sources: Cell) -> Cell:
        """A given percentage, hidden when any cell it derives from is hidden."""
        if any(s.suppressed for s in sources):
            return Cell(SUPPRESSED, None)
        return Cell(pct_text(value), value)

    def share(self, part: Cell, whole: Cell) -> Cell:
        """``part`` as a percentage of ``whole`` (hidden when either is)."""
        if part.value is None or whole.value is None:
            return Cell(SUPPRESSED, None)
        value = round(100 * part.value / whole.value, 1) if whole.value else 0.0
        return Cell(pct_text(value), value)

    def diff(self, before: Cell, after: Cell) -> Cell:
        """``after - before`` with a sign; hidden when either side is."""
        if before.value is None or after.value is None:
            return Cell(SUPPRESSED, None)
        value = int(after.value - before.value)
        sign = "+" if value > 0 else "\u2212" if value < 0 else ""
        return Cell(sign + count_text(abs(value)), value)


@dataclass(frozen=True)
class Row:
    """A table row: a row header, text columns, then numbers."""

    label: str
    cells: tuple[Cell, ...]
    texts: tuple[str, ...] = ()
    key: str = ""  # colour key of the row's bar in a one-series chart


@dataclass(frozen=True)
class Table:
    """A data table: caption, column headers (the row header's first) and rows."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def first_number(self) -> int:
        """Index of the first numeric column."""
        return len(self.columns) - len(self.rows[0].cells) if self.rows else 1


@dataclass(frozen=True)
class Series:
    """One kind of bar or bar segment, with its colour key and legend label."""

    key: str
    label: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: ``bars`` (one cell a row), ``stacked`` or ``grouped``."""

    kind: str
    title: str
    series: tuple[Series, ...]
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class Part:
    """A chart and the tables behind it."""

    chart: Chart | None
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Section:
    """One section of the report."""

    anchor: str
    title: str
    lead: tuple[str, ...]
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Headline:
    """A headline figure: the number, what it counts, and a line of detail."""

    value: Cell
    label: str
    detail: str = ""
