"""Rows for people to read at any terminal width: a table when it fits, stacked records when not.

A table of long text squeezed into 80 columns wraps every cell into a narrow strip and can cut
an identifier in half. Below the width a table needs, each row is printed as a record instead:
its key on a line of its own (never broken), then each other field, labelled and wrapped under
it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

# A table narrower than this squeezes free text into strips a reader cannot follow.
WIDE_ENOUGH = 110


@dataclass(frozen=True)
class Column:
    """One field of the rows: its header, and how the table shows it."""

    header: str
    no_wrap: bool = False
    justify: str = "left"


def print_records(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    wide_enough: int = WIDE_ENOUGH,
    indent: int = 0,
) -> None:
    """Print ``rows`` (plain strings, not markup) as a table or, on a narrow console, stacked.

    The first column is the key of a row (an id): in the stacked form it heads the record on
    a line of its own; the other non-empty fields follow, one a line, labelled and indented.
    ``indent`` shifts the whole output right (records under a heading).
    """
    if console.width >= wide_enough:
        table = Table(title=title, show_lines=True)
        for column in columns:
            table.add_column(column.header, no_wrap=column.no_wrap, justify=column.justify)  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(Padding(table, (0, 0, 0, indent), expand=False))
        return
    if title:
        console.print(Text(title, style="bold"))
    for row in rows:
        console.print(Padding(Text(row[0], style="bold", overflow="fold"), (0, 0, 0, indent)))
        fields = list(zip((c.header for c in columns[1:]), row[1:], strict=True))
        print_fields(console, [(label, value) for label, value in fields if value], indent + 2)
        console.print()


def print_fields(console: Console, fields: Sequence[tuple[str, str]], indent: int = 2) -> None:
    """Print labelled fields (plain strings) indented, each value wrapped under itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in fields:
        grid.add_row(f"{label}:", Text(value))
    console.print(Padding(grid, (0, 0, 0, indent), expand=False))
