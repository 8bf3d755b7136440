"""The tables of a filing: their columns, compact rows read by key, and the filing order.

A county's Exhibit 1 has a hundred thousand rows: each is a :class:`Row` (a tuple of strings
in its table's column order, read like a dict) rather than a dict, and strings that repeat
are shared, so the filing's tables fit in a few hundred MB. ``reasoner/filing/rows.py`` fills
them from a run; the writers read them (or the CSV written from them) in column order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Column:
    """A column of a filing table.

    ``width`` is its share of a PDF page (0: not printed); ``kind`` says how the XLSX holds
    it: ``text``, ``int`` (a whole number) or ``date`` (an ISO date).
    """

    key: str
    header: str
    width: float = 0.0
    kind: str = "text"


class Row:
    """A table row: its cells as a tuple of strings, read by key (``row["name"]``)."""

    __slots__ = ("cells",)
    index: ClassVar[dict[str, int]] = {}

    def __init__(self, cells: tuple[str, ...]) -> None:
        self.cells = cells

    def __getitem__(self, key: str) -> str:
        return self.cells[self.index[key]]

    def get(self, key: str, default: str = "") -> str:
        """The cell under ``key``, or ``default`` for a key the row does not have."""
        at = self.index.get(key)
        return default if at is None else self.cells[at]

    def __repr__(self) -> str:
        return f"Row({dict(zip(self.index, self.cells, strict=True))!r})"


def row_type(keys: Iterable[str]) -> type[Row]:
    """A :class:`Row` class whose cells are ``keys``, in that order."""
    return type("KeyedRow", (Row,), {"__slots__": (), "index": {k: i for i, k in enumerate(keys)}})


@dataclass
class Table:
    """A titled table of string cells, one :class:`Row` per row, in filing order.

    A row holds every column's cell and the ``extra`` keys (for counting, not printed).
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[Row] = field(default_factory=list)
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.keys = tuple(c.key for c in self.columns) + tuple(
            k for k in self.extra if k not in {c.key for c in self.columns}
        )
        self.row_type = row_type(self.keys)

    def add(self, cells: dict[str, str]) -> None:
        """Append a row from its cells by key (a missing key is an empty cell)."""
        self.rows.append(self.row_type(tuple(cells.get(k, "") for k in self.keys)))


PERSON = (
    Column("row", "No.", 3.5, "int"),
    Column("name", "Name", 13),
    Column("date_of_birth", "Date of birth", 6.5, "date"),
    Column("cii", "CII", 6.5),
    Column("case_numbers", "Court case no(s).", 9),
    Column("court", "Court", 12),
)
COUNT = (
    Column("count", "Count", 3.5, "int"),
    Column("code_section", "Code section", 8),
    Column("level", "Level", 6.5),
    Column("disposition_date", "Disposition date", 6.5, "date"),
)
IDS = (Column("subject_id", "Subject id"), Column("conviction_id", "Conviction id"))
EXHIBIT_COLUMNS = (
    *PERSON, *COUNT,
    Column("relief_requested", "Relief requested", 8.5),
    Column("prosecuting_agency", "Prosecuting agency", 8),
    Column("case_sealed", "Case sealed", 4.5),
    *IDS,
)  # fmt: skip
LIST_COLUMNS = (
    *PERSON[:5], *COUNT,
    Column("ground", "Ground", 12),
    Column("citation", "Citation", 8),
    Column("detail", "Detail", 19),
    Column("prosecuting_agency", "Prosecuting agency", 0),
    Column("court", "Court", 0),
    *IDS,
)  # fmt: skip
SEALING_COLUMNS = (
    *PERSON,
    Column("disposition_date", "Disposition date", 6.5, "date"),
    Column("convictions_in_case", "Convictions", 6, "int"),
    Column("dismissed_in_case", "Dismissed", 5, "int"),
    Column("case_sealed", "Case sealed", 4.5),
    Column("remaining_convictions", "Remaining convictions (not dismissed)", 21),
    Column("subject_id", "Subject id"),
    Column("case_id", "Case id"),
)


def new_tables() -> dict[str, Table]:
    """The filing's six tables, empty, by kind."""

    def exhibit(name: str, title: str) -> Table:
        return Table(name, title, EXHIBIT_COLUMNS, extra=("case_id",))

    def listing(name: str, title: str) -> Table:
        return Table(name, title, LIST_COLUMNS, extra=("case_id",))

    return {
        "dismissal": exhibit("dismissal_exhibit1", "Exhibit 1: convictions to dismiss and seal"),
        "redesignation": exhibit("redesignation_exhibit1",
                                 "Exhibit 1: convictions to redesignate"),
        "sealing": Table("sealing_list", "Cases to seal, and cases that cannot be sealed",
                         SEALING_COLUMNS),
        "challenge": listing("challenge_list",
                             "Convictions the People challenge (HS 11361.9(d))"),
        "review": listing("review_list", "Convictions awaiting review"),
        "resentence": listing("resentence_list", "Convictions still being served: recall or "
                              "dismissal of sentence (HS 11361.8(a)-(b))"),
    }  # fmt: skip


def _sort_key(table: Table) -> Callable[[Row], tuple[str, ...]]:
    at = [table.row_type.index.get(k) for k in ("name", "date_of_birth", "case_numbers",
                                                "case_id", "conviction_id")]  # fmt: skip

    def key(row: Row) -> tuple[str, ...]:
        cells = row.cells
        values = tuple("" if i is None else cells[i] for i in at)
        return (values[0].casefold(), *values[1:])

    return key


def number_rows(table: Table) -> None:
    """Sort the rows by name, date of birth, case numbers and ids, and number them from 1."""
    table.rows.sort(key=_sort_key(table))
    at = table.row_type.index["row"]
    make = table.row_type
    for number, row in enumerate(table.rows, start=1):
        cells = row.cells
        table.rows[number - 1] = make((*cells[:at], str(number), *cells[at + 1 :]))


SOURCE_ROW = row_type(("conviction_id", "outcome", "level", "statutory_outcome"))
