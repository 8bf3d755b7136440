r"""One DOJ record is one physical line: split a file's lines into records, line by line.

The DOJ research file never holds a line break inside a field, so a record is exactly one
physical line (ended by ``\n``, ``\r\n`` or a lone ``\r``, as text mode with
``newline=""`` ends lines). :mod:`csv` alone would let a stray opening quote swallow the
following lines, other people's rows included, into one record; here a line whose quoted
field runs past its end is a damaged line of its own (``unclosed_quote``), and the lines
after it are read again, each on its own. So every physical line becomes exactly one
record, with its own line number, whoever reads the file: the serial read, the byte-range
readers (:mod:`cmr_reason.facts.doj_split`) and the subject index
(:mod:`cmr_reason.facts.doj_offsets`) give the same records.

A damaged line comes with a reason code, a detail without personal data, and its fields
as far as they can be read alone (so its subject can still be told, when the damage comes
after ``SUBJECT_ID``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from itertools import chain, filterfalse
from typing import NamedTuple

#: A line whose quoted field is still open at its end (a stray or missing quote).
UNCLOSED_QUOTE = "unclosed_quote"
#: A line holding a NUL character: binary damage, and clingo strings cannot hold it.
NUL_BYTE = "nul_byte"
#: A field longer than :func:`csv.field_size_limit`.
FIELD_TOO_LONG = "field_too_long"
#: Any other line :mod:`csv` cannot read.
UNREADABLE_LINE = "unreadable_line"
LINE_REASONS = (UNCLOSED_QUOTE, NUL_BYTE, FIELD_TOO_LONG, UNREADABLE_LINE)

_LINE_ENDS = ("\n", "\r")


class Damage(NamedTuple):
    """Why a physical line is not a readable record: a reason code and a detail."""

    reason: str
    detail: str


_UNCLOSED = Damage(UNCLOSED_QUOTE, "a quoted field is not closed before the end of the line")
_NUL = Damage(NUL_BYTE, "the line holds a NUL character")


def _csv_damage(error: csv.Error) -> Damage:
    """A csv error as a damage (its messages name no field value)."""
    message = str(error)
    if "field larger than field limit" in message:
        return Damage(FIELD_TOO_LONG, message)
    return Damage(UNREADABLE_LINE, message)


def _open_at_end(text: str) -> bool:
    """True for a last line without a line end whose quoted field is still open."""
    fields = alone(text + "\n")
    return bool(fields) and fields[-1].endswith("\n")


def alone(text: str) -> list[str]:
    """The fields of one line read by itself (an open quoted field runs to its end)."""
    try:
        return next(csv.reader((text,)), [])
    except csv.Error:
        return []


def parse_line(text: str) -> tuple[list[str], Damage | None]:
    """One physical line as a record: its fields and, when damaged, why."""
    for _, fields, damage in records((text,)):
        return fields, damage
    return [], None


Record = tuple[int, list[str], Damage | None]


def records(lines: Iterable[str], first_line: int = 1) -> Iterator[Record]:
    """``(line number, fields, damage)`` for each physical line of ``lines``, in order.

    ``lines`` are decoded physical lines with their line ends, as text mode gives them;
    ``first_line`` is the number of the first. ``damage`` is None for a line that is a
    whole record by itself; otherwise the line's fields are what it holds read alone.
    A line ending inside a quoted field is damaged; the lines :mod:`csv` took with it are
    read again, each by itself.
    """
    taken: list[str] = []  # the lines csv has taken for the record being read

    def tap(source: Iterable[str]) -> Iterator[str]:
        return filterfalse(taken.append, source)  # each line, kept in taken (in C)

    main = tap(lines)
    again: Iterator[str] = iter(())  # lines taken by a damaged record, to read again
    reader = csv.reader(main)
    number = first_line
    while True:
        damage: Damage | None = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            fields, damage = [], _csv_damage(error)
        if len(taken) == 1 and damage is None:
            text = taken[0]
            if "\0" in text:
                damage = _NUL
            elif text.endswith(_LINE_ENDS):
                if fields and fields[-1].endswith(_LINE_ENDS):
                    damage = _UNCLOSED  # open at the end of the input: nothing more to take
            elif _open_at_end(text):
                damage = _UNCLOSED
            if damage is None:
                taken.clear()
                yield number, fields, None
                number += 1
                continue
        if not taken:  # csv failed before taking a line: nothing to account for
            continue
        first, rest = taken[0], taken[1:]
        taken.clear()
        if rest:
            damage = _UNCLOSED
        yield number, alone(first), damage
        number += 1
        if rest:
            again = iter([*rest, *again])  # what was taken, then what was left to read again
            reader = csv.reader(chain(tap(again), main))
